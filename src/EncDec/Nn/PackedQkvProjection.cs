using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// A snapshot of a self-attention layer's query, key and value projections stacked into one (3W, E) weight and (3W)
/// bias (PyTorch's packed <c>in_proj_weight</c>/<c>in_proj_bias</c> layout), so a decoding step projects its input with
/// one matrix product instead of three (<see cref="MultiheadAttention.ForwardIncremental(Tensor, AttentionCache?, Tensor?, PackedQkvProjection?)"/>).
/// It copies the weights when made (<see cref="MultiheadAttention.PackQkv"/>) and is valid while they do not change: a
/// decoder makes one per decoding run and keeps it in its decoding state. Inference only (no gradients).
/// </summary>
public sealed class PackedQkvProjection
{
    /// <summary>(3W, E), W = <see cref="Width"/>: rows [0, W) the query projection, [W, 2W) the key, [2W, 3W) the value.</summary>
    public Tensor Weight { get; }
    /// <summary>(3W) or null when the projections have no bias.</summary>
    public Tensor? Bias { get; }
    /// <summary>The width of each projection's output (H·Dh: the layer's embedding width unless its heads were pruned).</summary>
    public int Width { get; }

    internal PackedQkvProjection(Linear q, Linear k, Linear v)
    {
        int e = q.OutFeatures;
        Width = e;
        using (GradMode.NoGrad())   // lives as long as the decoding run: the current scope, if any, returns it to the pool when it ends
        {
            Weight = Tensor.Empty(3 * e, q.InFeatures);
            Bias = q.Bias is null ? null : Tensor.Empty(3 * e);
        }
        var lins = new[] { q, k, v };
        for (int i = 0; i < 3; i++)
        {
            lins[i].Weight.CopyTo(Weight.Span.Slice(i * e * q.InFeatures, e * q.InFeatures));
            if (Bias is not null) lins[i].Bias!.CopyTo(Bias.Span.Slice(i * e, e));
        }
        _packed = PackedLinear.Pack(Weight, Bias);
    }

    private readonly PackedLinear? _packed;   // the same weight packed for the managed GEMM (null without a SIMD kernel)

    /// <summary>x (B, S, E) → the packed projections (B, S, 3W).</summary>
    internal Tensor Forward(Tensor x) => _packed?.Forward(x) ?? F.Linear(x, Weight, Bias);   // (B, S, E)·(E, 3W) → (B, S, 3W)
}
