using EncDec.Autograd;
using EncDec.Tensors;
using EncDec.Tensors.Gemm;

namespace EncDec.Nn;

/// <summary>
/// A snapshot of a linear layer's weight packed once for the managed GEMM (<c>ManagedGemm.PackB</c>), for
/// decoding: a step multiplies a few rows by every weight of the decoder and the output layer, and with the weight
/// pre-packed it skips repacking the whole matrix at every product (most of a small-row product's memory traffic).
/// Valid while the weights it was made from do not change: a decoder makes one per decoding run and keeps it in its
/// decoding state. Inference only (no gradients); its buffers belong to the scope it was made in.
/// </summary>
public sealed class PackedLinear
{
    private readonly PackedGemmB _weight;

    private PackedLinear(PackedGemmB weight, Tensor? bias, int inFeatures, int outFeatures)
    {
        _weight = weight; Bias = bias; InFeatures = inFeatures; OutFeatures = outFeatures;
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    /// <summary>A copy of the bias (out), or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Whether this CPU runs the packed path (a SIMD managed kernel); without it <see cref="Pack(Linear)"/> returns null.</summary>
    public static bool Supported => ManagedGemm.Instance.KernelKind != ManagedKernel.Scalar;

    /// <summary>The layer packed, or null where packing does not apply (int8 weights, no SIMD kernel).</summary>
    public static PackedLinear? Pack(Linear linear) => linear.Int8 is not null ? null : Pack(linear.Weight, linear.Bias);

    /// <summary>A weight (out, in) and bias (out) packed, or null without a SIMD kernel.</summary>
    public static unsafe PackedLinear? Pack(Tensor weight, Tensor? bias)
    {
        if (!Supported) return null;
        if (weight.Rank != 2) throw new ArgumentException($"weight must be (out, in), got {ShapeUtil.Format(weight.Shape)}");
        int outF = weight.Shape[0], inF = weight.Shape[1];
        if (outF == 0 || inF == 0) return null;
        using (GradMode.NoGrad())
        {
            var w = weight.ContiguousRaw();
            PackedGemmB packed;
            fixed (float* pw = w.Storage.Array)
                packed = ManagedGemm.Instance.PackB(true, inF, outF, pw + w.Offset, inF);    // op(B) = Wᵀ (in, out)
            Tensor? b = null;
            if (bias is not null)
            {
                b = Tensor.Empty(outF);
                bias.CopyTo(b.Span);
            }
            if (!ReferenceEquals(w.Storage, weight.Storage)) w.Storage.ReleaseIfTracked();
            return new PackedLinear(packed, b, inF, outF);
        }
    }

    /// <summary>(…, in) → (…, out): x·Wᵀ + b, the same values as <see cref="F.Linear"/> with the managed GEMM.</summary>
    public unsafe Tensor Forward(Tensor x)
    {
        if (x.Shape[^1] != InFeatures) throw new ArgumentException($"PackedLinear: input {ShapeUtil.Format(x.Shape)} does not end in {InFeatures}");
        var xc = x.ContiguousRaw();
        int rows = xc.Numel / InFeatures;
        var outShape = (int[])x.Shape.Clone(); outShape[^1] = OutFeatures;
        var y = Tensor.Empty(outShape);                                   // (…, out)
        if (rows > 0)
            fixed (float* px = xc.Storage.Array)
            fixed (float* py = y.Storage.Array)
                ManagedGemm.Instance.SgemmPacked(false, rows, 1f, px + xc.Offset, InFeatures, _weight, 0f, py + y.Offset, OutFeatures); // (N, in)·(in, out)
        if (!ReferenceEquals(xc.Storage, x.Storage)) xc.Storage.ReleaseIfTracked();
        if (Bias is not null)
        {
            var bs = Bias.Span; var ys = y.Span;
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(ys.Slice(r * OutFeatures, OutFeatures), bs, ys.Slice(r * OutFeatures, OutFeatures));
        }
        return y;
    }

    /// <summary><paramref name="packed"/>'s product when given and autograd is off, else the layer's own.</summary>
    public static Tensor Apply(Linear linear, PackedLinear? packed, Tensor x)
        => packed is not null && !GradMode.IsEnabled ? packed.Forward(x) : linear.Forward(x);
}
