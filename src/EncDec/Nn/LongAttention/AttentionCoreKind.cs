namespace EncDec.Nn.LongAttention;

/// <summary>How a self-attention layer computes softmax(q·kᵀ)·v (see <see cref="IAttentionCore"/>).</summary>
public enum AttentionCoreKind
{
    /// <summary>The fused kernel with the whole (Tq, Tk) score matrix: O(n²) memory.</summary>
    Full,
    /// <summary>Exact attention over key/value blocks with an online softmax; O(n·block) memory.</summary>
    Chunked,
    /// <summary>Sliding-window (local) attention with optional global tokens (Longformer); O(n·w).</summary>
    Sliding,
    /// <summary>Linear (kernel) attention with the elu+1 feature map; O(n·Dh²), O(1) decoding state.</summary>
    Linear,
}
