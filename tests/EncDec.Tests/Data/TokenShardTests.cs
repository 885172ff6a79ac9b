using System.Buffers.Binary;
using EncDec.Data;
using EncDec.Models;
using EncDec.Tests.Models;
using EncDec.Text;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Data;

/// <summary>Token shards and preprocessed-corpus folders: exact round trips, strict validation, identical batching and training.</summary>
public class TokenShardTests : IDisposable
{
    private readonly TempDir _d = new();

    public void Dispose() => _d.Dispose();

    /// <summary>A dates corpus on disk with a joint char tokenizer trained on it (as `train` would).</summary>
    private (ParallelCorpus Corpus, ITokenizer Tok, List<SentencePair> Pairs) Corpus(int count = 300, int seed = 5, string name = "c")
    {
        var pairs = SyntheticTasks.Generate(SyntheticTask.Dates, count, seed);
        string src = _d.File(name + ".src"), tgt = _d.File(name + ".tgt");
        SyntheticTasks.WriteFiles(pairs, src, tgt);
        var corpus = ParallelCorpus.FromFiles(src, tgt);
        var tok = Tokenizer.Train(TokenizerKind.Char, ParallelCorpus.Sentences(corpus, CorpusSide.Both), 200);
        return (corpus, tok, pairs);
    }

    private CorpusManifest Preprocess(ParallelCorpus corpus, ITokenizer tok, string dir, int shardSize, LengthFilter? filter = null,
                                      ParallelCorpus? valid = null, int block = 64)
        => CorpusPreprocessor.Write(new PreprocessRequest
        {
            OutDir = dir, Train = corpus, Valid = valid, Source = tok, Target = tok, ShardSize = shardSize, BlockSize = block,
            Filter = filter ?? new LengthFilter { MaxSrcTokens = 0, MaxTgtTokens = 0 },
        });

    [Fact]
    public void Preprocessed_EveryExampleEqualsTheInMemoryTokenization()
    {
        var (corpus, tok, _) = Corpus();
        var expected = Examples.Tokenize(corpus, tok, tok);
        var dir = _d.File("pp");
        var m = Preprocess(corpus, tok, dir, shardSize: 70, block: 33);   // 300 = 4×70 + 20: five shards, blocks straddle them
        Assert.Equal(5, m.Train.Shards.Count);
        Assert.Equal(new[] { 70, 70, 70, 70, 20 }, m.Train.Shards.Select(s => s.Examples));
        Assert.Equal(2, m.TokenWidth);
        Assert.Equal(300, m.Train.PairsRead);
        Assert.Equal(expected.Sum(e => (long)e.Src.Length), m.Train.SrcTokens);
        Assert.Equal(expected.Sum(e => (long)e.Tgt.Length), m.Train.TgtTokens);

        using var pc = PreprocessedCorpus.Open(dir);
        Assert.Equal(tok.ToJson(), pc.Source.ToJson());
        Assert.Equal(tok.ToJson(), pc.Target.ToJson());
        Assert.Equal(expected.Count, pc.Train.Count);
        // three passes: more than PageRelease.ReleaseEvery reads per shard, so mapped pages are dropped and read back
        for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < expected.Count; i++)
        {
            var e = pc.Train[i];
            Assert.Equal(expected[i].Src, e.Src);
            Assert.Equal(expected[i].Tgt, e.Tgt);
            Assert.Equal(expected[i].Src.Length, pc.Train.SrcLength(i));
            Assert.Equal(expected[i].Tgt.Length, pc.Train.TgtLength(i));
        }
        Assert.Equal(expected.Count, pc.Train.Count());                 // the enumerator walks every shard
        Assert.Null(pc.Valid);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void Preprocess_FilterCountsMatchInMemoryFiltering_AndValidSplitIsWritten()
    {
        var (corpus, tok, _) = Corpus();
        var (valid, _, _) = Corpus(40, seed: 9, name: "v");
        var filter = new LengthFilter { MaxSrcTokens = 14, MaxTgtTokens = 10 };
        var stats = new FilterStats();
        var expected = Examples.Tokenize(corpus, tok, tok, filter, stats);
        Assert.InRange(stats.Dropped, 1, 299);                               // the filter really drops some pairs
        var m = Preprocess(corpus, tok, _d.File("pp"), 1000, filter, valid);
        Assert.Equal(expected.Count, m.Train.Kept);
        Assert.Equal(stats[FilterReason.TooLong], m.Train.DroppedTooLong);
        Assert.Equal(stats.Dropped, m.Train.Dropped);
        Assert.Equal(14, m.Filter.MaxSrcTokens);
        using var pc = PreprocessedCorpus.Open(_d.File("pp"));
        Assert.Equal(expected.Select(e => string.Join(",", e.Src) + "|" + string.Join(",", e.Tgt)),
                     pc.Train.Select(e => string.Join(",", e.Src) + "|" + string.Join(",", e.Tgt)));
        var expectedValid = Examples.Tokenize(valid, tok, tok, filter);
        Assert.Equal(expectedValid.Count, pc.Valid!.Count);
        Assert.Equal(expectedValid[^1].Tgt, pc.Valid[^1].Tgt);
    }

    [Fact]
    public void Writer_UsesInt32IdsForLargeVocabularies_AndRoundTripsEdgeCases()
    {
        var path = _d.File("big.shard");
        var rows = new (int[] S, int[] T)[] { ([0, 69_999, 65_536], [1]), ([], [5, 6]), ([7], []), ([], []) };
        using (var w = new TokenShardWriter(path, 70_000, 10))
        {
            foreach (var (s, t) in rows) w.Add(s, t);
            Assert.Throws<ArgumentOutOfRangeException>(() => w.Add([70_000], []));   // outside the source vocabulary
            w.Commit();
        }
        using var shard = TokenShard.Open(path);
        Assert.Equal(4, shard.TokenWidth);
        Assert.Equal(rows.Length, shard.Count);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(rows[i].S, shard[i].Src);
            Assert.Equal(rows[i].T, shard[i].Tgt);
        }
        Assert.Equal(TokenShardFormat.FileLength(4, 7, 4), new FileInfo(path).Length);
        Assert.Equal(2, TokenShardFormat.TokenWidth(65_536, 100));
        Assert.Equal(4, TokenShardFormat.TokenWidth(100, 65_537));
    }

    [Fact]
    public void Writer_DisposedWithoutCommit_LeavesNothing()
    {
        var path = _d.File("w/half.shard");
        using (var w = new TokenShardWriter(path, 10, 10)) w.Add([5, 6], [7]);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_d.File("w")));
    }

    /// <summary>A valid 3-example shard (vocabulary 50) and its bytes.</summary>
    private (string Path, byte[] Bytes) GoodShard()
    {
        var path = _d.File("good.shard");
        using (var w = new TokenShardWriter(path, 50, 50)) { w.Add([5, 6, 7], [8, 9]); w.Add([10], [11, 12, 13]); w.Add([14, 15], [16]); w.Commit(); }
        return (path, File.ReadAllBytes(path));
    }

    private string Corrupt(string name, Func<byte[], byte[]> change)
    {
        var (_, bytes) = GoodShard();
        return _d.WriteBytes(name, change((byte[])bytes.Clone()));
    }

    public static TheoryData<string, string> Corruptions => new()
    {
        { "truncated", "truncated: " },
        { "extra", "the header promises" },
        { "header-only", "truncated: " },
        { "tiny", "shorter than the 64-byte header" },
        { "magic", "not an encdec token shard" },
        { "version", "unsupported token shard version 2" },
        { "width", "token width 3" },
        { "start", "example 1 is out of range" },
        { "srclen", "example 0 is out of range" },
        { "cover", "do not cover" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Open_CorruptShard_IsOneLineNamingTheFile(string kind, string expected)
    {
        // layout of the good shard: 12 tokens × 2 bytes after the 64-byte header → index at 88 (a multiple of 8):
        // starts u64[4] = 0, 5, 9, 12 then source lengths u32[3] = 3, 1, 2
        const int index = 88, srcLens = index + 8 * 4;
        Assert.Equal(srcLens + 12, GoodShard().Bytes.Length);
        string path = Corrupt(kind + ".shard", b => kind switch
        {
            "truncated" => b[..^1],
            "extra" => [.. b, 0],
            "header-only" => b[..64],
            "tiny" => b[..10],
            "magic" => Set(b, 0, (byte)'X'),
            "version" => Set32(b, 8, 2),
            "width" => Set32(b, 12, 3),
            "start" => Set64(b, index + 16, 1000),
            "srclen" => Set32(b, srcLens, 9),
            "cover" => Set64(b, index + 8 * 3, 11),
            _ => throw new ArgumentException(kind),
        });
        var e = Assert.Throws<UserInputException>(() => TokenShard.Open(path).Dispose());
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Read_TokenIdOutsideVocabulary_NamesTheFile()
    {
        string path = Corrupt("ids.shard", b => { BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(64 + 2 * 3), 60); return b; }); // example 0's first target id
        using var shard = TokenShard.Open(path);
        Assert.Equal([10], shard[1].Src);                                   // other examples still read
        var e = Assert.Throws<UserInputException>(() => shard[0]);
        Assert.Equal($"{path}: corrupt tokens: id 60 outside the vocabulary of 50", e.Message);
    }

    private static byte[] Set(byte[] b, int at, byte v) { b[at] = v; return b; }
    private static byte[] Set32(byte[] b, int at, uint v) { BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v); return b; }
    private static byte[] Set64(byte[] b, int at, long v) { BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(at), v); return b; }

    [Fact]
    public void Open_FolderProblems_AreOneLineNamingTheFile()
    {
        var (corpus, tok, _) = Corpus(60);
        var dir = _d.File("pp");
        Preprocess(corpus, tok, dir, 25);
        string manifest = Path.Combine(dir, "manifest.json");
        string Fails() => Assert.Throws<UserInputException>(() => PreprocessedCorpus.Open(dir).Dispose()).Message;

        // a tokenizer edited after preprocessing
        string tokPath = Path.Combine(dir, "target.tokenizer.json");
        var tokText = File.ReadAllText(tokPath);
        File.WriteAllText(tokPath, tokText.Replace("\"version\": 1", "\"version\":1"));
        Assert.Equal($"{tokPath}: tokenizer changed since preprocessing (SHA-256 differs from the manifest): preprocess the corpus again", Fails());
        File.WriteAllText(tokPath, tokText);
        using (PreprocessedCorpus.Open(dir)) { }                        // restored: opens again

        // a shard replaced by another valid shard with different counts
        string shard1 = Path.Combine(dir, "train.00001.shard"), shard2 = Path.Combine(dir, "train.00002.shard");
        var good = File.ReadAllBytes(shard1);
        long tokens1, tokens2;
        using (var s1 = TokenShard.Open(shard1)) tokens1 = s1.TokenCount;
        using (var s2 = TokenShard.Open(shard2)) tokens2 = s2.TokenCount;
        File.Copy(shard2, shard1, overwrite: true);
        Assert.Equal($"{shard1}: holds 10 examples / {tokens2} tokens, the manifest says 25 / {tokens1}", Fails());
        File.Delete(shard1);
        Assert.Equal($"{shard1}: token shard not found", Fails());
        File.WriteAllBytes(shard1, good);

        // the manifest itself
        var text = File.ReadAllText(manifest);
        File.WriteAllText(manifest, text[..(text.Length / 2)]);
        Assert.StartsWith($"{manifest}: corrupt manifest: ", Fails());
        File.WriteAllText(manifest, text.Replace("\"train.00000.shard\"", "\"../x.shard\""));
        Assert.Equal($"{manifest}: corrupt manifest: '../x.shard' is not a file name inside the folder", Fails());
        File.WriteAllText(manifest, text.Replace("\"version\": 1", "\"version\": 9"));
        Assert.Equal($"{manifest}: unsupported manifest version 9 (this build reads version 1)", Fails());
        File.Delete(manifest);
        Assert.Equal($"{dir}: no manifest.json: not a preprocessed corpus (write one with `encdec preprocess`)", Fails());
        Assert.Equal($"{_d.File("nowhere")}: preprocessed corpus folder not found",
                     Assert.Throws<UserInputException>(() => PreprocessedCorpus.Open(_d.File("nowhere"))).Message);
    }

    [Fact]
    public void Preprocess_FailingMidway_LeavesNoManifestAndNoPartialShard()
    {
        var (corpus, tok, _) = Corpus(200);
        var dir = _d.File("pp");
        Preprocess(corpus, tok, dir, 50);                                   // a complete earlier run
        // line 150 of the source becomes invalid UTF-8: the second run fails after writing two whole shards
        var srcLines = File.ReadAllLines(corpus.SourcePath);
        using (var f = File.Create(corpus.SourcePath))
            for (int i = 0; i < srcLines.Length; i++)
            {
                if (i == 149) f.Write([0x66, 0xC3, 0x28]);
                else f.Write(System.Text.Encoding.UTF8.GetBytes(srcLines[i]));
                f.WriteByte((byte)'\n');
            }
        var e = Assert.Throws<UserInputException>(() => Preprocess(corpus, tok, dir, 50));
        Assert.Equal($"{corpus.SourcePath}:150: invalid UTF-8 at byte 2 of the line", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, "manifest.json")));      // the folder no longer claims to be complete
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        foreach (var shard in Directory.GetFiles(dir, "*.shard")) TokenShard.Open(shard).Dispose(); // every final name is whole
    }

    [Fact]
    public void BatchPlan_OverShards_EqualsPlanOverTheInMemoryList()
    {
        var (corpus, tok, _) = Corpus(400);
        var list = Examples.Tokenize(corpus, tok, tok);
        Preprocess(corpus, tok, _d.File("pp"), 90);
        using var pc = PreprocessedCorpus.Open(_d.File("pp"));
        foreach (var o in new[]
                 {
                     new BatcherOptions { MaxTokens = 300, Shuffle = true, Seed = 3, ChunkSize = 64 },
                     new BatcherOptions { BatchSize = 7, Shuffle = true, Seed = 11 },
                     new BatcherOptions { MaxTokens = 500, Shuffle = false },
                 })
        {
            for (int epoch = 0; epoch < 2; epoch++)
            {
                var a = new Batcher(list, o).Plan(epoch);
                var b = new Batcher(pc.Train, o).Plan(epoch);
                Assert.True(a.Count > 10);
                Assert.Equal(a.Select(x => string.Join(",", x)), b.Select(x => string.Join(",", x)));
            }
        }
        var batchA = new Batcher(list, new BatcherOptions { MaxTokens = 300, Seed = 3 }).Epoch(0).First();
        var batchB = new Batcher(pc.Train, new BatcherOptions { MaxTokens = 300, Seed = 3 }).Epoch(0).First();
        Assert.Equal(batchA.Src, batchB.Src);
        Assert.Equal(batchA.TgtOut, batchB.TgtOut);
    }

    [Fact]
    public void Trainer_OnShards_ReproducesTheInMemoryLossesExactly()
    {
        var (corpus, tok, _) = Corpus(100);
        var (valid, _, _) = Corpus(10, seed: 8, name: "v");
        var list = Examples.Tokenize(corpus, tok, tok);
        var validList = Examples.Tokenize(valid, tok, tok);
        Preprocess(corpus, tok, _d.File("pp"), 40, valid: valid);
        using var pc = PreprocessedCorpus.Open(_d.File("pp"));
        var config = ModelTestKit.Transformer(tok.Vocab.Count, tok.Vocab.Count, d: 16, heads: 2, ffn: 32, dropout: 0.1f);
        List<double> Losses(IReadOnlyList<Example> train, IReadOnlyList<Example> validation)
        {
            var options = ModelTestKit.Options(20, lr: 3e-3, warmup: 5) with { ValidEvery = 10 };
            var trainer = new Trainer(ModelFactory.Build(config), options, train, validation, new BatcherOptions { MaxTokens = 200, Seed = 2 });
            var r = trainer.Train();
            return [.. r.Losses, r.LastValidation!.Loss];
        }
        var memory = Losses(list, validList);
        var shards = Losses(pc.Train, pc.Valid!);
        Assert.Equal(21, memory.Count);
        Assert.True(memory[19] < memory[0]);                                // it trains
        Assert.Equal(memory, shards);                                       // bit-identical
    }
}
