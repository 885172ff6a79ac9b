namespace EncDec.Data;

/// <summary>Options for <see cref="Batcher"/>.</summary>
public sealed record BatcherOptions
{
    /// <summary>Token budget per batch, padding included (see <see cref="Batcher.Cost"/>). Ignored when <see cref="BatchSize"/> is set.</summary>
    public int MaxTokens { get; init; } = 4096;
    /// <summary>Fixed number of examples per batch instead of a token budget (0 = use the budget).</summary>
    public int BatchSize { get; init; }
    /// <summary>Shuffle examples and batches each epoch (deterministically from <see cref="Seed"/> and the epoch).</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>Seed of the shuffles.</summary>
    public int Seed { get; init; }
    /// <summary>Examples per length-sorting chunk: larger = less padding, less randomness.</summary>
    public int ChunkSize { get; init; } = 8192;
}
