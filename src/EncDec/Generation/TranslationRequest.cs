namespace EncDec.Generation;

/// <summary>
/// One line to translate with its own target-side text settings, encoded by the <see cref="Translator"/>'s target tokenizer:
/// a forced output start (<see cref="Prefix"/>) and phrases the output must contain (<see cref="RequiredPhrases"/>; each
/// trimmed, phrases without tokens dropped), and on request decoding options of its own (<see cref="Options"/>). Null keeps
/// the translator's <see cref="GenerationOptions"/>.
/// </summary>
public sealed record TranslationRequest(string Source)
{
    public string? Prefix { get; init; }
    public IReadOnlyList<string>? RequiredPhrases { get; init; }
    /// <summary>The options this line decodes with instead of <see cref="Translator.Options"/> (its prefix and phrases still apply).</summary>
    public GenerationOptions? Options { get; init; }
}
