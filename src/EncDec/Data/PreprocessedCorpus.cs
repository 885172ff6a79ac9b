using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Text;

namespace EncDec.Data;

/// <summary>A tokenizer file of a preprocessed corpus and the SHA-256 of its bytes.</summary>
public sealed record TokenizerEntry(string File, string Sha256, string Kind, int VocabSize);

/// <summary>An input text file: its path as given and its size when it was read.</summary>
public sealed record SourceFileEntry(string Path, long Bytes);

/// <summary>One shard file of a split (a bare file name inside the corpus folder).</summary>
public sealed record ShardEntry(string File, int Examples, long Tokens);

/// <summary>The length filter applied while preprocessing (see <see cref="LengthFilter"/>).</summary>
public sealed record FilterEntry(int MinTokens, int MaxSrcTokens, int MaxTgtTokens, double MaxRatio)
{
    public static FilterEntry From(LengthFilter f) => new(f.MinTokens, f.MaxSrcTokens, f.MaxTgtTokens, f.MaxRatio);
    public LengthFilter ToFilter() => new() { MinTokens = MinTokens, MaxSrcTokens = MaxSrcTokens, MaxTgtTokens = MaxTgtTokens, MaxRatio = MaxRatio };
}

/// <summary>What preprocessing one split read, kept and dropped, and the shards it wrote.</summary>
public sealed record SplitEntry(IReadOnlyList<SourceFileEntry> Sources, long PairsRead, long BlankPairsSkipped, long Kept,
                                long DroppedTooShort, long DroppedTooLong, long DroppedBadRatio, long SrcTokens, long TgtTokens,
                                IReadOnlyList<ShardEntry> Shards)
{
    /// <summary>Pairs dropped by the length filter, for any reason.</summary>
    [JsonIgnore] public long Dropped => DroppedTooShort + DroppedTooLong + DroppedBadRatio;
}

/// <summary>manifest.json of a preprocessed corpus folder (snake_case keys).</summary>
public sealed record CorpusManifest(string Format, int Version, int TokenWidth, int SrcVocabSize, int TgtVocabSize,
                                    TokenizerEntry SourceTokenizer, TokenizerEntry TargetTokenizer, FilterEntry Filter,
                                    SplitEntry Train, SplitEntry? Valid)
{
    public const string FormatName = "encdec-preprocessed";
    public const int CurrentVersion = 1;
    public const string FileName = "manifest.json";
    public const string SourceTokenizerFile = "source.tokenizer.json";
    public const string TargetTokenizerFile = "target.tokenizer.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true,
    };

    /// <summary>SHA-256 (lower-case hex) of a tokenizer's JSON, as saved to its file.</summary>
    public static string HashOf(ITokenizer tokenizer) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tokenizer.ToJson())));
}

/// <summary>
/// A folder written by <see cref="CorpusPreprocessor"/> (<c>encdec preprocess</c>): manifest.json, the two tokenizers
/// and the train (and optional valid) token shards, opened memory-mapped. Opening checks everything that is cheap to
/// check — manifest, tokenizer hashes, every shard's header, length and index — and reports a problem as one line
/// naming the file.
/// </summary>
public sealed class PreprocessedCorpus : IDisposable
{
    private PreprocessedCorpus(string dir, CorpusManifest m, ITokenizer src, ITokenizer tgt, TokenShardSet train, TokenShardSet? valid)
    {
        Directory = dir; Manifest = m; Source = src; Target = tgt; Train = train; Valid = valid;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }
    /// <summary>Its manifest.</summary>
    public CorpusManifest Manifest { get; }
    /// <summary>The source tokenizer the shards were encoded with.</summary>
    public ITokenizer Source { get; }
    /// <summary>The target tokenizer.</summary>
    public ITokenizer Target { get; }
    /// <summary>The training examples.</summary>
    public TokenShardSet Train { get; }
    /// <summary>The validation examples, when the folder has them.</summary>
    public TokenShardSet? Valid { get; }

    /// <summary>True when <paramref name="dir"/> holds a manifest (it may still be invalid).</summary>
    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, CorpusManifest.FileName));

    /// <summary>Opens and validates the folder.</summary>
    public static PreprocessedCorpus Open(string dir)
    {
        if (File.Exists(dir)) throw new UserInputException(dir, null, "is a file, not a preprocessed corpus folder");
        if (!System.IO.Directory.Exists(dir)) throw new UserInputException(dir, null, "preprocessed corpus folder not found");
        string manifestPath = Path.Combine(dir, CorpusManifest.FileName);
        if (!File.Exists(manifestPath))
            throw new UserInputException(dir, null, $"no {CorpusManifest.FileName}: not a preprocessed corpus (write one with `encdec preprocess`)");
        var m = ReadManifest(manifestPath);
        var src = LoadTokenizer(dir, m.SourceTokenizer, m.SrcVocabSize, manifestPath);
        var tgt = LoadTokenizer(dir, m.TargetTokenizer, m.TgtVocabSize, manifestPath);
        var train = OpenSplit(dir, m, m.Train, manifestPath, "train");
        try
        {
            var valid = m.Valid is null ? null : OpenSplit(dir, m, m.Valid, manifestPath, "valid");
            return new PreprocessedCorpus(dir, m, src, tgt, train, valid);
        }
        catch { train.Dispose(); throw; }
    }

    private static CorpusManifest ReadManifest(string path)
    {
        CorpusManifest? m;
        try { m = JsonSerializer.Deserialize<CorpusManifest>(File.ReadAllBytes(path), CorpusManifest.Json); }
        catch (JsonException e) { throw new UserInputException(path, null, $"corrupt manifest: {OneLine(e.Message)}"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new UserInputException(path, null, $"cannot read manifest: {OneLine(e.Message)}"); }
        if (m is null) throw new UserInputException(path, null, "corrupt manifest: null");
        if (m.Format != CorpusManifest.FormatName) throw new UserInputException(path, null, $"not an encdec preprocessed-corpus manifest (format '{m.Format}')");
        if (m.Version != CorpusManifest.CurrentVersion)
            throw new UserInputException(path, null, $"unsupported manifest version {m.Version} (this build reads version {CorpusManifest.CurrentVersion})");
        if (m.SrcVocabSize < 1 || m.TgtVocabSize < 1 || m.TokenWidth != TokenShardFormat.TokenWidth(m.SrcVocabSize, m.TgtVocabSize))
            throw new UserInputException(path, null, "corrupt manifest: inconsistent vocabulary sizes or token width");
        return m;
    }

    private static ITokenizer LoadTokenizer(string dir, TokenizerEntry e, int vocabSize, string manifestPath)
    {
        string path = InsideFolder(dir, e.File, manifestPath);
        if (!File.Exists(path)) throw new UserInputException(path, null, "tokenizer file listed in the manifest is missing");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception x) when (x is IOException or UnauthorizedAccessException)
        { throw new UserInputException(path, null, $"cannot read tokenizer file: {OneLine(x.Message)}"); }
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), e.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new UserInputException(path, null, "tokenizer changed since preprocessing (SHA-256 differs from the manifest): preprocess the corpus again");
        var tok = Tokenizer.Load(path);
        if (tok.Vocab.Count != vocabSize) throw new UserInputException(path, null, $"vocabulary has {tok.Vocab.Count} tokens, the manifest says {vocabSize}");
        return tok;
    }

    private static TokenShardSet OpenSplit(string dir, CorpusManifest m, SplitEntry split, string manifestPath, string name)
    {
        if (split.Shards is null || split.Shards.Count == 0) throw new UserInputException(manifestPath, null, $"corrupt manifest: the {name} split lists no shards");
        var open = new List<TokenShard>();
        try
        {
            long examples = 0;
            foreach (var entry in split.Shards)
            {
                var shard = TokenShard.Open(InsideFolder(dir, entry.File, manifestPath));
                open.Add(shard);
                if (shard.Count != entry.Examples || shard.TokenCount != entry.Tokens)
                    throw new UserInputException(shard.Path, null, $"holds {shard.Count} examples / {shard.TokenCount} tokens, the manifest says {entry.Examples} / {entry.Tokens}");
                if (shard.SrcVocabSize != m.SrcVocabSize || shard.TgtVocabSize != m.TgtVocabSize)
                    throw new UserInputException(shard.Path, null, $"vocabulary sizes {shard.SrcVocabSize}/{shard.TgtVocabSize} differ from the manifest's {m.SrcVocabSize}/{m.TgtVocabSize}");
                examples += shard.Count;
            }
            if (examples != split.Kept) throw new UserInputException(manifestPath, null, $"corrupt manifest: the {name} shards hold {examples} examples, not {split.Kept}");
            return new TokenShardSet(open);
        }
        catch
        {
            foreach (var s in open) s.Dispose();
            throw;
        }
    }

    /// <summary>A file named by the manifest: a bare name inside the folder, never a path elsewhere.</summary>
    private static string InsideFolder(string dir, string? file, string manifestPath)
    {
        if (string.IsNullOrEmpty(file) || file != Path.GetFileName(file) || file is "." or "..")
            throw new UserInputException(manifestPath, null, $"corrupt manifest: '{file}' is not a file name inside the folder");
        return Path.Combine(dir, file);
    }

    private static string OneLine(string s) { int nl = s.IndexOfAny(['\r', '\n']); return (nl < 0 ? s : s[..nl]).Trim(); }

    /// <summary>Unmaps the shards.</summary>
    public void Dispose() { Train.Dispose(); Valid?.Dispose(); }
}

/// <summary>What <see cref="CorpusPreprocessor.Write"/> reads and writes.</summary>
public sealed record PreprocessRequest
{
    /// <summary>Output folder.</summary>
    public required string OutDir { get; init; }
    /// <summary>The training corpus (streamed once).</summary>
    public required ParallelCorpus Train { get; init; }
    /// <summary>An optional validation corpus.</summary>
    public ParallelCorpus? Valid { get; init; }
    /// <summary>Source tokenizer.</summary>
    public required ITokenizer Source { get; init; }
    /// <summary>Target tokenizer (the same object for a joint vocabulary).</summary>
    public required ITokenizer Target { get; init; }
    /// <summary>Length filter applied to both splits.</summary>
    public LengthFilter Filter { get; init; } = new();
    /// <summary>Examples per shard file.</summary>
    public int ShardSize { get; init; } = 1_000_000;
    /// <summary>Pairs tokenized together (in parallel); bounds the memory of the pipeline.</summary>
    public int BlockSize { get; init; } = 4096;
    /// <summary>Called after each block with the split name and the pairs read so far.</summary>
    public Action<string, long>? Progress { get; init; }
}

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
