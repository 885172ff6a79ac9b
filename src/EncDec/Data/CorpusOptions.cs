namespace EncDec.Data;

/// <summary>Options for reading corpora.</summary>
public sealed record CorpusOptions
{
    /// <summary>A line longer than this many UTF-16 characters is an error.</summary>
    public int MaxLineChars { get; init; } = 100_000;
}
