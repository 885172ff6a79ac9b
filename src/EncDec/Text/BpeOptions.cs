namespace EncDec.Text;

/// <summary>Options for <see cref="BpeTokenizer.Train"/>.</summary>
public sealed record BpeOptions
{
    /// <summary>A pair must occur at least this often (weighted by word frequency) to be merged.</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>User-defined control tokens (e.g. <c>&lt;2fr&gt;</c>), given ids right after the special tokens.</summary>
    public IReadOnlyList<string> ControlTokens { get; init; } = [];

    /// <summary>Maximum number of distinct words kept in the encode cache before it is cleared.</summary>
    public int CacheCapacity { get; init; } = 1 << 20;
}
