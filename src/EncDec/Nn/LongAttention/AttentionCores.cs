namespace EncDec.Nn.LongAttention;

/// <summary>Builds the <see cref="IAttentionCore"/> an <see cref="AttentionCoreOptions"/> describes.</summary>
public static class AttentionCores
{
    public static IAttentionCore Create(AttentionCoreOptions? options)
    {
        var o = options ?? AttentionCoreOptions.Full;
        return o.Kind switch
        {
            AttentionCoreKind.Full => FullAttentionCore.Instance,
            AttentionCoreKind.Chunked => new ChunkedAttentionCore(o.Chunk),
            AttentionCoreKind.Sliding => new SlidingWindowAttentionCore(o.Window, o.GlobalTokens, o.Chunk),
            AttentionCoreKind.Linear => new LinearAttentionCore(Math.Min(o.Chunk, 64)),
            _ => throw new ArgumentOutOfRangeException(nameof(options), $"unknown attention core {o.Kind}"),
        };
    }
}
