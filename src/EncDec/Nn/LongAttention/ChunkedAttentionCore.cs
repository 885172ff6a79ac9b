using EncDec.Tensors;

namespace EncDec.Nn.LongAttention;

/// <summary>
/// Exact attention in key/value blocks with an online softmax (<see cref="BlockAttention"/>): equal to full
/// attention, O(n·block) memory in the forward and the backward. Decoding appends to a key/value cache and
/// attends to it block by block.
/// </summary>
public sealed class ChunkedAttentionCore(int block = 128) : IAttentionCore
{
    public int Block { get; } = block > 0 ? block : throw new ArgumentOutOfRangeException(nameof(block), "chunk size must be positive");

    public AttentionCoreKind Kind => AttentionCoreKind.Chunked;

    public Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal)
        => BlockAttention.Forward(q, k, v, mask, new AttentionPattern(causal), Block);   // (B, H, Tq, Dh)

    public (Tensor Output, AttentionCache State) Step(Tensor q, Tensor k, Tensor v, AttentionCache? state)
    {
        var next = state is null ? AttentionCache.FromStep(k, v) : state.Append(k, v);  // (B, H, T+S, Dh)
        return (BlockAttention.Forward(q, next.Key, next.Value, null, new AttentionPattern(true), Block), next);
    }
}
