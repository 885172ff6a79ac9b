using System.Text.Json;
using EncDec.Text;

namespace EncDec.Data;

/// <summary>
/// Streams parallel corpora through tokenizers into token shards (<see cref="TokenShardFormat"/>) with bounded memory:
/// a block of pairs at a time is tokenized (in parallel, results in corpus order), filtered and appended to the current
/// shard. Shards are written to temporary files and renamed; the manifest, written last, marks the folder complete.
/// </summary>
public static class CorpusPreprocessor
{
    /// <summary>Shard file name of split <paramref name="split"/>, number <paramref name="index"/>.</summary>
    public static string ShardName(string split, int index) => $"{split}.{index:D5}{TokenShardFormat.Extension}";

    /// <summary>Writes the folder and returns its manifest.</summary>
    public static CorpusManifest Write(PreprocessRequest r, CancellationToken cancel = default)
    {
        if (r.ShardSize < 1) throw new UserInputException($"--shard-size must be at least 1, got {r.ShardSize}");
        System.IO.Directory.CreateDirectory(r.OutDir);
        // An old manifest would describe shards this run is about to replace: remove it first.
        File.Delete(Path.Combine(r.OutDir, CorpusManifest.FileName));
        int srcVocab = r.Source.Vocab.Count, tgtVocab = r.Target.Vocab.Count;
        var train = WriteSplit(r, r.Train, "train", cancel);
        if (train.Kept == 0)
            throw new UserInputException(r.Train.SourcePath, null, $"no training pair passes the length filter (max {r.Filter.MaxSrcTokens}/{r.Filter.MaxTgtTokens} tokens)");
        var valid = r.Valid is null ? null : WriteSplit(r, r.Valid, "valid", cancel);

        // Both files are always written (as in a run folder of `encdec train`); a joint vocabulary has two equal files.
        var srcEntry = Save(r.Source, r.OutDir, CorpusManifest.SourceTokenizerFile);
        var tgtEntry = Save(r.Target, r.OutDir, CorpusManifest.TargetTokenizerFile);

        var manifest = new CorpusManifest(CorpusManifest.FormatName, CorpusManifest.CurrentVersion,
            TokenShardFormat.TokenWidth(srcVocab, tgtVocab), srcVocab, tgtVocab, srcEntry, tgtEntry, FilterEntry.From(r.Filter), train, valid);
        RemoveStaleShards(r.OutDir, manifest);
        AtomicFile.WriteAllText(Path.Combine(r.OutDir, CorpusManifest.FileName), JsonSerializer.Serialize(manifest, CorpusManifest.Json));
        return manifest;
    }

    private static SplitEntry WriteSplit(PreprocessRequest r, ParallelCorpus corpus, string split, CancellationToken cancel)
    {
        var stats = new FilterStats();
        var shards = new List<ShardEntry>();
        long srcTokens = 0, tgtTokens = 0, read = 0;
        int srcVocab = r.Source.Vocab.Count, tgtVocab = r.Target.Vocab.Count;
        TokenShardWriter? writer = null;
        int block = Math.Max(1, r.BlockSize);
        var pairs = new SentencePair[block];
        var encoded = new (int[] Src, int[] Tgt)[block];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancel };
        try
        {
            using var e = corpus.GetEnumerator();
            while (true)
            {
                int n = 0;
                while (n < block && e.MoveNext()) pairs[n++] = e.Current;
                if (n == 0) break;
                cancel.ThrowIfCancellationRequested();
                Parallel.For(0, n, parallel, i => encoded[i] = (r.Source.Encode(pairs[i].Source), r.Target.Encode(pairs[i].Target)));
                for (int i = 0; i < n; i++)
                {
                    var (s, t) = encoded[i];
                    var reason = r.Filter.Check(s.Length, t.Length);
                    stats.Add(reason);
                    if (reason != FilterReason.Kept) continue;
                    writer ??= new TokenShardWriter(Path.Combine(r.OutDir, ShardName(split, shards.Count)), srcVocab, tgtVocab);
                    writer.Add(s, t);
                    srcTokens += s.Length; tgtTokens += t.Length;
                    if (writer.Count >= r.ShardSize) { shards.Add(Finish(writer)); writer = null; }
                }
                Array.Clear(pairs, 0, n);
                Array.Clear(encoded, 0, n);
                read += n;
                r.Progress?.Invoke(split, read);
            }
            if (writer is not null) { shards.Add(Finish(writer)); writer = null; }
            if (shards.Count == 0) // every pair was filtered out: an empty shard keeps the split well-formed
            {
                using var empty = new TokenShardWriter(Path.Combine(r.OutDir, ShardName(split, 0)), srcVocab, tgtVocab);
                shards.Add(Finish(empty));
            }
        }
        finally { writer?.Dispose(); }
        var sources = new List<SourceFileEntry> { Describe(corpus.SourcePath) };
        if (corpus.TargetPath is { } tp) sources.Add(Describe(tp));
        return new SplitEntry(sources, read, corpus.SkippedBlankPairs, stats[FilterReason.Kept], stats[FilterReason.TooShort],
            stats[FilterReason.TooLong], stats[FilterReason.BadRatio], srcTokens, tgtTokens, shards);
    }

    private static TokenizerEntry Save(ITokenizer t, string dir, string file)
    {
        t.Save(Path.Combine(dir, file));
        return new TokenizerEntry(file, CorpusManifest.HashOf(t), t.Kind.ToString().ToLowerInvariant(), t.Vocab.Count);
    }

    private static ShardEntry Finish(TokenShardWriter w)
    {
        w.Commit();
        return new ShardEntry(Path.GetFileName(w.Path), w.Count, w.TokenCount);
    }

    private static SourceFileEntry Describe(string path) => new(path, new FileInfo(path).Length);

    /// <summary>Deletes shards of an earlier, larger preprocessing run that the new manifest does not list.</summary>
    private static void RemoveStaleShards(string dir, CorpusManifest m)
    {
        var keep = new HashSet<string>(m.Train.Shards.Select(s => s.File), StringComparer.Ordinal);
        if (m.Valid is not null) keep.UnionWith(m.Valid.Shards.Select(s => s.File));
        foreach (var split in new[] { "train", "valid" })
            foreach (var f in System.IO.Directory.GetFiles(dir, $"{split}.*{TokenShardFormat.Extension}"))
                if (!keep.Contains(Path.GetFileName(f))) File.Delete(f);
    }
}
