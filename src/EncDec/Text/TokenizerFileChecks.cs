namespace EncDec.Text;

/// <summary>Checks of a tokenizer file's token list before any tokenizer is built from it.</summary>
internal static class TokenizerFileChecks
{
    /// <summary>Most tokens a tokenizer file may hold.</summary>
    public const int MaxTokens = 10_000_000;

    /// <summary>
    /// The special tokens at their ids, a control-token count inside the list, no empty or duplicate token, control
    /// tokens without whitespace (an empty control token would match everywhere and encoding would never advance),
    /// and the tokens each kind needs (the space marker for word and BPE tokenizers).
    /// </summary>
    public static void CheckTokens(IReadOnlyList<string> tokens, int controlCount, TokenizerKind kind, string path)
    {
        UserInputException Bad(string msg) => new(path, null, msg);
        if (tokens.Count > MaxTokens) throw Bad($"{tokens.Count} tokens, more than the {MaxTokens} allowed");
        if (controlCount < 0) throw Bad($"controlTokenCount {controlCount} is negative");
        if ((long)Vocabulary.SpecialCount + controlCount > tokens.Count)
            throw Bad($"controlTokenCount {controlCount} does not fit in the {tokens.Count} tokens (the first {Vocabulary.SpecialCount} are special)");
        for (int i = 0; i < Vocabulary.SpecialCount; i++)
        {
            string want = Vocabulary.SpecialText((SpecialToken)i);
            if (tokens[i] != want) throw Bad($"token {i} must be the special token '{want}' but is '{Show(tokens[i])}'");
        }
        var seen = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++)
        {
            string t = tokens[i];
            if (t.Length == 0) throw Bad($"token {i} is empty");
            if (!seen.TryAdd(t, i)) throw Bad($"token {i} '{Show(t)}' is a duplicate of token {seen[t]}");
            if (i >= Vocabulary.SpecialCount && i < Vocabulary.SpecialCount + controlCount && t.Any(char.IsWhiteSpace))
                throw Bad($"control token {i} '{Show(t)}' contains whitespace");
        }
        if (kind != TokenizerKind.Char && !seen.ContainsKey(PreTokenizer.MarkerString))
            throw Bad($"a {kind.ToString().ToLowerInvariant()} tokenizer needs the space marker token '{PreTokenizer.MarkerString}'");
    }

    private static string Show(string t) => t.Length > 40 ? t[..40] + "…" : t.ReplaceLineEndings("\\n");
}
