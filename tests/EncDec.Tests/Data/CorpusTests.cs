using EncDec.Data;
using Xunit;

namespace EncDec.Tests.Data;

public class CorpusTests
{
    [Fact]
    public void LineAligned_StripsBom_HandlesCrlf_SkipsAndCountsBlankPairs()
    {
        using var d = new TempDir();
        var src = d.WriteBytes("train.en", [0xEF, 0xBB, 0xBF, .. "hello\r\n\r\nworld\r\nlast"u8]);
        var tgt = d.Write("train.de", "hallo\nleer\nwelt\nletzte\n");
        var corpus = ParallelCorpus.FromFiles(src, tgt);
        var pairs = corpus.ToList();
        Assert.Equal([("hello", "hallo", 1L), ("world", "welt", 3L), ("last", "letzte", 4L)],
            pairs.Select(p => (p.Source, p.Target, p.Line)));
        Assert.Equal(1, corpus.SkippedBlankPairs);
        Assert.Equal(3, corpus.PairCount);
        Assert.Equal(3, corpus.Count()); // re-enumerable, counts reset
        Assert.Equal(1, corpus.SkippedBlankPairs);
    }

    [Fact]
    public void LineAligned_MismatchedCounts_NamesBothFilesAndTheLine()
    {
        using var d = new TempDir();
        var src = d.Write("a.src", "1\n2\n3\n");
        var tgt = d.Write("a.tgt", "1\n2\n");
        var e = Assert.Throws<UserInputException>(() => ParallelCorpus.FromFiles(src, tgt).ToList());
        Assert.StartsWith($"{src}:3: ", e.Message);
        Assert.Contains(tgt, e.Message);
        Assert.Contains("after 2 lines", e.Message);
        var e2 = Assert.Throws<UserInputException>(() => ParallelCorpus.FromFiles(tgt, src).ToList());
        Assert.StartsWith($"{src}:3: ", e2.Message);
    }

    [Fact]
    public void InvalidUtf8_ReportsFileAndLine()
    {
        using var d = new TempDir();
        var src = d.WriteBytes("bad.src", [.. "ok\nfine\n"u8, (byte)'x', 0xC3, 0x28, (byte)'\n']);
        var tgt = d.Write("bad.tgt", "a\nb\nc\n");
        var e = Assert.Throws<UserInputException>(() => ParallelCorpus.FromFiles(src, tgt).ToList());
        Assert.StartsWith($"{src}:3: invalid UTF-8", e.Message);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void MissingFile_EmptyCorpus_TooLongLine_AreUserErrors()
    {
        using var d = new TempDir();
        var missing = d.File("missing.tsv");
        Assert.Contains(missing, Assert.Throws<UserInputException>(() => ParallelCorpus.FromTsv(missing).ToList()).Message);

        var empty = d.Write("empty.tsv", "\n  \t \n");
        var e = Assert.Throws<UserInputException>(() => ParallelCorpus.FromTsv(empty).ToList());
        Assert.Contains("empty corpus", e.Message);
        Assert.Contains(empty, e.Message);

        var longLine = d.Write("long.tsv", "a\tb\n" + new string('x', 50) + "\ty\n");
        var e2 = Assert.Throws<UserInputException>(() => ParallelCorpus.FromTsv(longLine, new CorpusOptions { MaxLineChars = 20 }).ToList());
        Assert.StartsWith($"{longLine}:2: line is longer", e2.Message);
        // Far longer than the byte bound too: still reported, without reading the whole line.
        var huge = d.Write("huge.tsv", new string('y', 100_000) + "\tz\n");
        Assert.StartsWith($"{huge}:1: ", Assert.Throws<UserInputException>(() => ParallelCorpus.FromTsv(huge, new CorpusOptions { MaxLineChars = 20 }).ToList()).Message);
    }

    [Fact]
    public void Tsv_ReadsPairs_AndRejectsWrongFieldCount()
    {
        using var d = new TempDir();
        var ok = d.Write("ok.tsv", "a b\tc d\r\n\ne\tf\n");
        var c = ParallelCorpus.FromTsv(ok);
        Assert.Equal([("a b", "c d"), ("e", "f")], c.Select(p => (p.Source, p.Target)));
        Assert.Equal(1, c.SkippedBlankPairs);
        var bad = d.Write("bad.tsv", "a\tb\nno tab here\n");
        Assert.StartsWith($"{bad}:2: expected exactly two", Assert.Throws<UserInputException>(() => ParallelCorpus.FromTsv(bad).ToList()).Message);
    }

    [Fact]
    public void Jsonl_ReadsPairs_AndRejectsBadLines()
    {
        using var d = new TempDir();
        var ok = d.Write("ok.jsonl", "{\"src\":\"héllo\",\"tgt\":\"wörld 👍\"}\n\n{\"tgt\":\"b\",\"src\":\"a\",\"id\":3}\n");
        Assert.Equal([("héllo", "wörld 👍"), ("a", "b")], ParallelCorpus.FromJsonl(ok).Select(p => (p.Source, p.Target)));
        var bad = d.Write("bad.jsonl", "{\"src\":\"a\",\"tgt\":\"b\"}\n{\"src\":\"a\"\n");
        Assert.StartsWith($"{bad}:2: invalid JSON", Assert.Throws<UserInputException>(() => ParallelCorpus.FromJsonl(bad).ToList()).Message);
        var missingKey = d.Write("mk.jsonl", "{\"src\":\"a\",\"target\":\"b\"}\n");
        Assert.StartsWith($"{missingKey}:1: expected an object", Assert.Throws<UserInputException>(() => ParallelCorpus.FromJsonl(missingKey).ToList()).Message);
    }

    [Fact]
    public void Sentences_GivesOneOrBothSides()
    {
        SentencePair[] pairs = [new("a", "b"), new("c", "d")];
        Assert.Equal(["a", "c"], ParallelCorpus.Sentences(pairs, CorpusSide.Source));
        Assert.Equal(["b", "d"], ParallelCorpus.Sentences(pairs, CorpusSide.Target));
        Assert.Equal(["a", "b", "c", "d"], ParallelCorpus.Sentences(pairs, CorpusSide.Both));
    }

    [Fact]
    public void Split_IsReproducibleBySeed_AndRoughlyTheFraction()
    {
        var pairs = Enumerable.Range(0, 2000).Select(i => new SentencePair($"s{i}", $"t{i}")).ToList();
        var (train, valid) = DataSplit.Split(pairs, 0.1, seed: 7);
        var (train2, valid2) = DataSplit.Split(pairs.AsEnumerable().Reverse(), 0.1, seed: 7);
        Assert.Equal(valid.Select(p => p.Source).Order(), valid2.Select(p => p.Source).Order());
        Assert.Equal(2000, train.Count + valid.Count);
        Assert.InRange(valid.Count, 150, 250);
        var (_, valid3) = DataSplit.Split(pairs, 0.1, seed: 8);
        Assert.NotEqual(valid.Select(p => p.Source), valid3.Select(p => p.Source));
        Assert.Equal(valid.Count, DataSplit.Select(pairs, SplitPart.Valid, 0.1, 7).Count());
    }

    [Fact]
    public void LengthFilter_DropsByLengthAndRatio()
    {
        var f = new LengthFilter { MinTokens = 1, MaxSrcTokens = 5, MaxTgtTokens = 5, MaxRatio = 2 };
        Assert.Equal(FilterReason.Kept, f.Check(3, 5));
        Assert.Equal(FilterReason.TooShort, f.Check(0, 2));
        Assert.Equal(FilterReason.TooLong, f.Check(6, 5));
        Assert.Equal(FilterReason.BadRatio, f.Check(1, 3));
        var stats = new FilterStats();
        var kept = Examples.Filter([new Example([1, 2], [3]), new Example([], [1]), new Example([1], [1, 2, 3, 4])], f, stats).ToList();
        Assert.Single(kept);
        Assert.Equal(2, stats.Dropped);
        Assert.Equal(1, stats[FilterReason.TooShort]);
        Assert.Equal(1, stats[FilterReason.BadRatio]);
    }
}
