using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// Depthwise 1-D convolution along the sequence axis of a batch-first (B, T, d) tensor: each channel mixes itself at
/// positions t − k/2 … t + k/2 (zero beyond the ends). Equal to PyTorch's <c>nn.Conv1d(d, d, k, padding=k/2, groups=d)</c>
/// applied to (B, d, T); weight (d, 1, k) and bias (d) are stored in that layout, init U(±1/√k) like Conv1d.
/// Built from primitives (shifted <see cref="Tensor.Narrow"/> views, <see cref="F.Concat"/> with zeros, broadcast
/// products), so the layout needs no transpose and autograd gives the backward.
/// Used as the local token-mixing sublayer of an encoder layer (<see cref="TransformerLayerOptions.ConvKernel"/>): it
/// lets attention match a token by its neighbours (a record's value by the key before it) without relative positions.
/// </summary>
public sealed class SequenceConv : Module
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    [NotState] public int Kernel { get; }

    public SequenceConv(int channels, int kernel, Rng? rng = null)
    {
        if (kernel < 1 || kernel % 2 == 0) throw new ArgumentException($"SequenceConv: the kernel must be odd and positive, got {kernel}");
        Kernel = kernel;
        float bound = 1f / MathF.Sqrt(kernel);
        Weight = Init.Uniform(bound, rng, channels, 1, kernel);
        Bias = Init.Uniform(bound, rng, channels);
    }

    /// <summary>x (B, T, d) → (B, T, d): y[b, t, c] = bias[c] + Σ_j weight[c, 0, j] · x[b, t + j − k/2, c].</summary>
    public Tensor Forward(Tensor x)
    {
        if (x.Rank != 3 || x.Shape[2] != Weight.Shape[0])
            throw new ArgumentException($"SequenceConv: input {ShapeUtil.Format(x.Shape)} must be (B, T, {Weight.Shape[0]})");
        int b = x.Shape[0], t = x.Shape[1], d = x.Shape[2], half = Kernel / 2;
        var taps = Weight.Reshape(d, Kernel).Transpose(0, 1).Contiguous();   // (k, d): row j = tap j of every channel
        Tensor y = Bias.Reshape(1, 1, d);                                     // (1, 1, d), broadcast up to (B, T, d)
        for (int j = 0; j < Kernel; j++)
        {
            int offset = j - half;                                            // output t reads input t + offset
            if (Math.Abs(offset) >= t) continue;                              // the tap only sees the zero padding
            var shifted = Shift(x, offset, b, t, d);                          // (B, T, d)
            y = y + shifted * taps.Narrow(0, j, 1).Reshape(1, 1, d);          // (B, T, d) ⊙ (1, 1, d)
        }
        return y;
    }

    /// <summary>(B, T, d) → (B, T, d) whose row t is input row t + offset (zeros outside 0 … T−1).</summary>
    private static Tensor Shift(Tensor x, int offset, int b, int t, int d)
    {
        if (offset == 0) return x;
        int n = Math.Abs(offset);
        var zeros = Tensor.Zeros(b, n, d);                                    // (B, |offset|, d)
        return offset < 0
            ? F.Concat([zeros, x.Narrow(1, 0, t - n)], 1)                     // rows 0…|o|−1 read before the start
            : F.Concat([x.Narrow(1, n, t - n), zeros], 1);                    // the last |o| rows read past the end
    }
}
