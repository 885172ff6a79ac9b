namespace EncDec.Generation;

/// <summary>One translated line: its n-best outputs (text, tokens, score) and, on request, the source attention of the best.</summary>
public sealed record Translation(string Source, IReadOnlyList<TranslationCandidate> NBest, float[,]? Attention, string[] SourceTokens, string[] OutputTokens)
{
    /// <summary>True when the source had more than <see cref="Translator.MaxSourceTokens"/> tokens and was cut to that many.</summary>
    public bool SourceTruncated { get; init; }
}
