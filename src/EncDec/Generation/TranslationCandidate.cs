namespace EncDec.Generation;

/// <summary>An output text with its token ids and scores.</summary>
public sealed record TranslationCandidate(string Text, int[] Tokens, float Score, float NormalizedScore);
