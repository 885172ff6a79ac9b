using EncDec.Tensors;

namespace EncDec.Nn.LongAttention;

/// <summary>
/// The default core: the fused kernel over the whole score matrix. <see cref="MultiheadAttention"/> runs its own
/// path for this kind (with attention dropout, weights and the single-query decoding kernel); this type makes the
/// same computation available behind the <see cref="IAttentionCore"/> contract.
/// </summary>
public sealed class FullAttentionCore : IAttentionCore
{
    public static readonly FullAttentionCore Instance = new();

    public AttentionCoreKind Kind => AttentionCoreKind.Full;

    public Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal)
        => Attention.ScaledDotProductAttention(q, k, v, mask, causal);                 // (B, H, Tq, Dh)

    public (Tensor Output, AttentionCache State) Step(Tensor q, Tensor k, Tensor v, AttentionCache? state)
    {
        var next = state is null ? AttentionCache.FromStep(k, v) : state.Append(k, v);  // (B, H, T+S, Dh)
        return (Attention.ScaledDotProductAttention(q, next.Key, next.Value, null, causal: true), next);
    }
}
