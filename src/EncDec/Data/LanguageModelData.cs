namespace EncDec.Data;

/// <summary>
/// Monolingual training text for a decoder-only language model, as pairs: Source = the control codes (the prefix the
/// model conditions on, possibly empty), Target = the text. Blank texts are skipped; a malformed line is a
/// <see cref="UserInputException"/> naming the file and line.
/// </summary>
public static class LanguageModelData
{
    public static List<SentencePair> Read(string path, ControlCodeSource control, CorpusOptions? options = null)
    {
        var list = new List<SentencePair>();
        using var reader = new Utf8LineReader(path, (options ?? new CorpusOptions()).MaxLineChars);
        while (reader.ReadLine() is { } line)
        {
            var (codes, text) = Split(line, control, path, reader.LineNumber);
            if (!string.IsNullOrWhiteSpace(text)) list.Add(new SentencePair(codes, text, reader.LineNumber));
        }
        if (list.Count == 0) throw new UserInputException(path, null, "empty corpus: no non-blank text lines");
        return list;
    }

    /// <summary>One line's codes (space-separated, possibly empty) and text.</summary>
    public static (string Codes, string Text) Split(string line, ControlCodeSource control, string path = "input", long lineNumber = 0)
    {
        switch (control)
        {
            case ControlCodeSource.None:
                return ("", line);
            case ControlCodeSource.Tsv:
            {
                int tab = line.IndexOf('\t');
                if (tab < 0)
                {
                    if (string.IsNullOrWhiteSpace(line)) return ("", "");
                    throw new UserInputException(path, lineNumber, "expected CODES<TAB>TEXT (no tab on this line)");
                }
                return (string.Join(' ', line[..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries)), line[(tab + 1)..]);
            }
            case ControlCodeSource.Prefix:
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                int n = 0;
                while (n < words.Length && IsCode(words[n])) n++;
                return (string.Join(' ', words.Take(n)), string.Join(' ', words.Skip(n)));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(control));
        }
    }

    /// <summary>A control code of <see cref="ControlCodeSource.Prefix"/>: <c>&lt;name&gt;</c> without spaces or inner brackets.</summary>
    public static bool IsCode(string word)
        => word.Length > 2 && word[0] == '<' && word[^1] == '>' && word.AsSpan(1, word.Length - 2).IndexOfAny('<', '>') < 0;

    /// <summary>The distinct control codes of <paramref name="pairs"/>, in order of first appearance (for the tokenizer).</summary>
    public static List<string> Codes(IEnumerable<SentencePair> pairs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<string>();
        foreach (var p in pairs)
            foreach (var c in p.Source.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (seen.Add(c)) list.Add(c);
        return list;
    }
}
