namespace EncDec.Data;

/// <summary>A source sentence and its translation, with the 1-based line it came from.</summary>
public readonly record struct SentencePair(string Source, string Target, long Line = 0);
