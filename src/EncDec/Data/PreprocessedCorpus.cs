using System.Security.Cryptography;
using System.Text.Json;
using EncDec.Text;

namespace EncDec.Data;

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
