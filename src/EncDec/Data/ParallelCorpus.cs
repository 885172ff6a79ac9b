using System.Collections;
using System.Text.Json;

namespace EncDec.Data;

/// <summary>
/// A streamed parallel corpus: each enumeration re-reads the file(s) lazily, so corpora larger than memory work.
/// Pairs with a blank side are skipped and counted in <see cref="SkippedBlankPairs"/> (for the caller to warn about).
/// Every problem with the input is a <see cref="UserInputException"/> naming the file and line.
/// </summary>
public sealed class ParallelCorpus : IEnumerable<SentencePair>
{
    private const string JsonSourceKey = "src";
    private const string JsonTargetKey = "tgt";

    private ParallelCorpus(CorpusFormat format, string path, string? targetPath, CorpusOptions? options)
    {
        Format = format;
        SourcePath = path;
        TargetPath = targetPath;
        Options = options ?? new CorpusOptions();
    }

    /// <summary>The storage format.</summary>
    public CorpusFormat Format { get; }
    /// <summary>The source file (or the single TSV/JSONL file).</summary>
    public string SourcePath { get; }
    /// <summary>The target file for <see cref="CorpusFormat.LineAligned"/>, else null.</summary>
    public string? TargetPath { get; }
    /// <summary>Reading options.</summary>
    public CorpusOptions Options { get; }

    /// <summary>Blank pairs skipped so far in the current (or last) enumeration.</summary>
    public long SkippedBlankPairs { get; private set; }

    /// <summary>Pairs returned so far in the current (or last) enumeration.</summary>
    public long PairCount { get; private set; }

    /// <summary>Two line-aligned files.</summary>
    public static ParallelCorpus FromFiles(string sourcePath, string targetPath, CorpusOptions? options = null)
        => new(CorpusFormat.LineAligned, sourcePath, targetPath, options);

    /// <summary>A TSV file with exactly one tab per line.</summary>
    public static ParallelCorpus FromTsv(string path, CorpusOptions? options = null) => new(CorpusFormat.Tsv, path, null, options);

    /// <summary>A JSONL file of <c>{"src":…,"tgt":…}</c> objects.</summary>
    public static ParallelCorpus FromJsonl(string path, CorpusOptions? options = null) => new(CorpusFormat.Jsonl, path, null, options);

    /// <summary>Opens a corpus of the given format (<paramref name="targetPath"/> only for line-aligned files).</summary>
    public static ParallelCorpus Open(CorpusFormat format, string path, string? targetPath = null, CorpusOptions? options = null)
        => format switch
        {
            CorpusFormat.LineAligned => FromFiles(path, targetPath ?? throw new UserInputException("a line-aligned corpus needs a target file"), options),
            CorpusFormat.Tsv => FromTsv(path, options),
            CorpusFormat.Jsonl => FromJsonl(path, options),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };

    /// <summary>The sentences of one side (or both, interleaved) — the input for tokenizer training.</summary>
    public static IEnumerable<string> Sentences(IEnumerable<SentencePair> pairs, CorpusSide side)
    {
        foreach (var p in pairs)
        {
            if (side != CorpusSide.Target) yield return p.Source;
            if (side != CorpusSide.Source) yield return p.Target;
        }
    }

    /// <inheritdoc/>
    public IEnumerator<SentencePair> GetEnumerator()
    {
        SkippedBlankPairs = 0;
        PairCount = 0;
        var raw = Format switch
        {
            CorpusFormat.LineAligned => ReadLineAligned(),
            CorpusFormat.Tsv => ReadTsv(),
            _ => ReadJsonl(),
        };
        foreach (var p in raw)
        {
            if (string.IsNullOrWhiteSpace(p.Source) || string.IsNullOrWhiteSpace(p.Target)) { SkippedBlankPairs++; continue; }
            PairCount++;
            yield return p;
        }
        if (PairCount == 0)
        {
            string files = TargetPath is null ? SourcePath : $"{SourcePath}' and '{TargetPath}";
            throw new UserInputException(SourcePath, null,
                $"empty corpus: no sentence pairs in '{files}' ({SkippedBlankPairs} blank pairs skipped)");
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerable<SentencePair> ReadLineAligned()
    {
        using var src = new Utf8LineReader(SourcePath, Options.MaxLineChars);
        using var tgt = new Utf8LineReader(TargetPath!, Options.MaxLineChars);
        while (true)
        {
            string? s = src.ReadLine();
            string? t = tgt.ReadLine();
            if (s is null && t is null) yield break;
            if (s is null)
                throw new UserInputException(TargetPath!, tgt.LineNumber,
                    $"'{SourcePath}' ended after {src.LineNumber} lines but '{TargetPath}' continues: the files must have the same number of lines");
            if (t is null)
                throw new UserInputException(SourcePath, src.LineNumber,
                    $"'{TargetPath}' ended after {tgt.LineNumber} lines but '{SourcePath}' continues: the files must have the same number of lines");
            yield return new SentencePair(s, t, src.LineNumber);
        }
    }

    private IEnumerable<SentencePair> ReadTsv()
    {
        using var r = new Utf8LineReader(SourcePath, Options.MaxLineChars);
        while (r.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) { yield return new SentencePair("", "", r.LineNumber); continue; }
            int tab = line.IndexOf('\t');
            if (tab < 0 || line.IndexOf('\t', tab + 1) >= 0)
                throw new UserInputException(SourcePath, r.LineNumber, "expected exactly two tab-separated fields (source<TAB>target)");
            yield return new SentencePair(line[..tab], line[(tab + 1)..], r.LineNumber);
        }
    }

    private IEnumerable<SentencePair> ReadJsonl()
    {
        using var r = new Utf8LineReader(SourcePath, Options.MaxLineChars);
        while (r.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) { yield return new SentencePair("", "", r.LineNumber); continue; }
            yield return ParseJsonLine(line, r.LineNumber);
        }
    }

    private SentencePair ParseJsonLine(string line, long lineNumber)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty(JsonSourceKey, out var s) || s.ValueKind != JsonValueKind.String
                || !root.TryGetProperty(JsonTargetKey, out var t) || t.ValueKind != JsonValueKind.String)
                throw new UserInputException(SourcePath, lineNumber, $"expected an object with string fields \"{JsonSourceKey}\" and \"{JsonTargetKey}\"");
            string src = s.GetString()!, tgt = t.GetString()!;
            if (src.Contains('\0') || tgt.Contains('\0'))
                throw new UserInputException(SourcePath, lineNumber, "a \\u0000 (NUL) character in a field");
            return new SentencePair(src, tgt, lineNumber);
        }
        catch (JsonException e)
        {
            string msg = e.Message;
            int cut = msg.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut < 0) cut = msg.IndexOf(" LineNumber:", StringComparison.Ordinal);
            string where = e.BytePositionInLine is { } b ? $" at byte {b + 1}" : "";
            throw new UserInputException(SourcePath, lineNumber, $"invalid JSON{where}: {(cut > 0 ? msg[..cut] : msg).ReplaceLineEndings(" ").Trim()}");
        }
        catch (InvalidOperationException)
        {
            // JsonElement.GetString: a lone UTF-16 surrogate escape (\ud800) is not text
            throw new UserInputException(SourcePath, lineNumber, "a field is not valid Unicode (a lone UTF-16 surrogate escape such as \\ud800)");
        }
    }
}
