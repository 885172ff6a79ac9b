using System.Text.Json;

namespace EncDec.Text;

/// <summary>Loading tokenizers from their JSON files, and training one of a given kind.</summary>
public static class Tokenizer
{
    /// <summary>Reads a tokenizer file written by <see cref="ITokenizer.Save"/> and returns the right kind.</summary>
    /// <exception cref="UserInputException">The file is missing, not JSON, or not a valid tokenizer.</exception>
    public static ITokenizer Load(string path)
    {
        if (TokenizerRegistry.TryOpen(path, out var foreign)) return foreign!;
        if (Directory.Exists(path)) throw new UserInputException(path, null, "is a folder, not a tokenizer file");
        if (!File.Exists(path)) throw new UserInputException(path, null, "tokenizer file not found");
        try
        {
            using var stream = File.OpenRead(path);
            return Parse(stream, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException(path, null, $"cannot read tokenizer file: {e.Message}");
        }
    }

    /// <summary>Reads a tokenizer file's bytes from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public static ITokenizer Load(Stream stream, string source) => Parse(stream, source);

    /// <summary>Reads a tokenizer from its JSON text (as embedded in a checkpoint); <paramref name="source"/> names it in errors.</summary>
    public static ITokenizer FromJson(string json, string source = "tokenizer")
        => Parse(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), source);

    private static ITokenizer Parse(Stream stream, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(stream);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var f) || f.GetString() != TokenizerBase.FormatName)
                throw new UserInputException(path, null, "not an encdec tokenizer file");
            int version = root.GetProperty("version").GetInt32();
            if (version != TokenizerBase.FormatVersion)
                throw new UserInputException(path, null, $"unsupported tokenizer format version {version}");
            if (TokenizerRegistry.TryFromJson(root.GetProperty("kind").GetString(), root, path, out var foreign)) return foreign!;
            if (!Enum.TryParse<TokenizerKind>(root.GetProperty("kind").GetString(), ignoreCase: true, out var kind))
                throw new UserInputException(path, null, "unknown tokenizer kind");
            int controls = root.GetProperty("controlTokenCount").GetInt32();
            var tokens = new List<string>();
            foreach (var t in root.GetProperty("tokens").EnumerateArray())
                tokens.Add(t.ValueKind == JsonValueKind.String ? t.GetString()! : throw new FormatException($"token {tokens.Count} is not a string"));
            TokenizerFileChecks.CheckTokens(tokens, controls, kind, path);
            var vocab = Vocabulary.FromSaved(tokens, controls);
            return kind switch
            {
                TokenizerKind.Char => new CharTokenizer(vocab),
                TokenizerKind.Word => new WordTokenizer(vocab),
                TokenizerKind.Bpe => BpeTokenizer.FromJson(vocab, root),
                _ => throw new UserInputException(path, null, "unknown tokenizer kind"),
            };
        }
        catch (UserInputException) { throw; }
        catch (JsonException e)
        {
            string where = e.LineNumber is { } l ? $":{l + 1}" : "";
            string msg = e.Message;
            int cut = msg.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut < 0) cut = msg.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) msg = msg[..cut];
            throw new UserInputException($"{path}{where}: corrupt tokenizer file: {msg.ReplaceLineEndings(" ").Trim()}");
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException
                                  or KeyNotFoundException or ArgumentException or IndexOutOfRangeException)
        {
            throw new UserInputException(path, null, $"corrupt tokenizer file: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>Trains a tokenizer of <paramref name="kind"/> on <paramref name="lines"/>.
    /// For a joint source/target vocabulary pass both sides' lines; for separate ones train twice.</summary>
    public static ITokenizer Train(TokenizerKind kind, IEnumerable<string> lines, int vocabSize,
        int minFrequency = 1, IEnumerable<string>? controlTokens = null) => kind switch
    {
        TokenizerKind.Char => CharTokenizer.Train(lines, vocabSize, minFrequency, controlTokens),
        TokenizerKind.Word => WordTokenizer.Train(lines, vocabSize, minFrequency, controlTokens),
        TokenizerKind.Bpe => BpeTokenizer.Train(lines, vocabSize,
            new BpeOptions { MinFrequency = Math.Max(2, minFrequency), ControlTokens = controlTokens?.ToArray() ?? [] }),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
