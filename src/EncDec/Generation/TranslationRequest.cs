namespace EncDec.Generation;

/// <summary>
/// One line to translate with its own target-side text settings, encoded by the <see cref="Translator"/>'s target tokenizer:
/// a forced output start (<see cref="Prefix"/>) and phrases the output must contain (<see cref="RequiredPhrases"/>; each
/// trimmed, phrases without tokens dropped). Null keeps the translator's <see cref="GenerationOptions"/>.
/// </summary>
public sealed record TranslationRequest(string Source)
{
    public string? Prefix { get; init; }
    public IReadOnlyList<string>? RequiredPhrases { get; init; }
}
