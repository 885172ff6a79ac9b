using EncDec.Tensors;

namespace EncDec.Nn.LongAttention;

/// <summary>
/// The part of <see cref="MultiheadAttention"/> after the projections: q (B, H, Tq, Dh), k and v (B, H, Tk, Dh)
/// → (B, H, Tq, Dh). Masks as in <see cref="Attention.ScaledDotProductAttention"/>: <c>mask</c> additive,
/// broadcastable to (B, H, Tq, Tk), no gradient; <c>causal</c> aligns the queries with the last Tq keys.
/// Attention dropout is applied by the full core only.
/// </summary>
public interface IAttentionCore
{
    AttentionCoreKind Kind { get; }

    /// <summary>Parallel (training / encoding) form.</summary>
    Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal);

    /// <summary>
    /// Incremental causal self-attention: the step's q, k, v (B, H, S, Dh) follow the positions summarised by
    /// <paramref name="state"/> (null at the first step) → the step's output (B, H, S, Dh) and the new state.
    /// The state is opaque to callers (keys/values for softmax cores, a running prefix sum for linear attention)
    /// but reorders along the batch like any <see cref="AttentionCache"/>.
    /// </summary>
    (Tensor Output, AttentionCache State) Step(Tensor q, Tensor k, Tensor v, AttentionCache? state);
}
