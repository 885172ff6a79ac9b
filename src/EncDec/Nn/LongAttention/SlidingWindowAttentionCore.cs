using EncDec.Tensors;

namespace EncDec.Nn.LongAttention;

/// <summary>
/// Local attention in a sliding window with optional global tokens (Longformer): see <see cref="AttentionPattern"/>
/// for which keys a query sees. Only the tiles of <see cref="BlockAttention"/> that hold visible keys are computed,
/// so time and memory are O(n·(w + G)). Bidirectional use needs Tq = Tk (self-attention). Decoding appends to a
/// key/value cache and each step reads only the window's (and the global tokens') blocks.
/// </summary>
public sealed class SlidingWindowAttentionCore : IAttentionCore
{
    public int Window { get; }
    public int GlobalTokens { get; }
    public int Block { get; }

    public SlidingWindowAttentionCore(int window, int globalTokens = 0, int block = 128)
    {
        if (window <= 0) throw new ArgumentOutOfRangeException(nameof(window), "window must be positive");
        if (globalTokens < 0) throw new ArgumentOutOfRangeException(nameof(globalTokens), "global tokens must be ≥ 0");
        if (block <= 0) throw new ArgumentOutOfRangeException(nameof(block), "chunk size must be positive");
        Window = window; GlobalTokens = globalTokens; Block = block;
    }

    public AttentionCoreKind Kind => AttentionCoreKind.Sliding;

    public Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal)
    {
        if (!causal && q.Shape[2] != k.Shape[2])
            throw new ArgumentException($"bidirectional sliding-window attention needs as many queries as keys (self-attention), got {q.Shape[2]} and {k.Shape[2]}");
        return BlockAttention.Forward(q, k, v, mask, new AttentionPattern(causal, Window, GlobalTokens), Block);   // (B, H, Tq, Dh)
    }

    public (Tensor Output, AttentionCache State) Step(Tensor q, Tensor k, Tensor v, AttentionCache? state)
    {
        var next = state is null ? AttentionCache.FromStep(k, v) : state.Append(k, v);  // (B, H, T+S, Dh)
        return (BlockAttention.Forward(q, next.Key, next.Value, null, new AttentionPattern(true, Window, GlobalTokens), Block), next);
    }
}
