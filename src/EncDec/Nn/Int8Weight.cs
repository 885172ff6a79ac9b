using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// A Linear weight (out, in) quantised to int8 per output channel, symmetric: w ≈ q · scale_o with
/// scale_o = max|w_o| / 127. <see cref="Forward"/> quantises the input per row the same way (dynamically), runs the
/// int8 GEMM with int32 accumulation (<see cref="Int8Gemm"/>) and rescales: y = (q_x · q_wᵀ) · s_x · s_w + bias.
/// Inference only (no autograd).
/// </summary>
public sealed class Int8Weight
{
    public int OutFeatures { get; }
    public int InFeatures { get; }
    /// <summary>(out, in) row-major int8 values in [−127, 127].</summary>
    public sbyte[] Data { get; }
    /// <summary>One scale per output channel.</summary>
    public float[] Scales { get; }

    public Int8Weight(int outFeatures, int inFeatures, sbyte[] data, float[] scales)
    {
        if (data.Length != outFeatures * inFeatures || scales.Length != outFeatures)
            throw new ArgumentException($"int8 weight of {data.Length} values and {scales.Length} scales does not match ({outFeatures}, {inFeatures})");
        OutFeatures = outFeatures; InFeatures = inFeatures; Data = data; Scales = scales;
    }

    /// <summary>Quantises a float (out, in) weight.</summary>
    public static Int8Weight Quantize(Tensor weight)
    {
        if (weight.Rank != 2) throw new ArgumentException($"weight must be (out, in), got {ShapeUtil.Format(weight.Shape)}");
        int o = weight.Shape[0], i = weight.Shape[1];
        var w = weight.ContiguousRaw().Span;
        var q = new sbyte[o * i]; var s = new float[o];
        for (int r = 0; r < o; r++) s[r] = QuantizeRow(w.Slice(r * i, i), q.AsSpan(r * i, i));
        return new Int8Weight(o, i, q, s);
    }

    /// <summary>Symmetric int8 quantisation of one row; returns its scale (0 for an all-zero row).</summary>
    internal static float QuantizeRow(ReadOnlySpan<float> x, Span<sbyte> q)
    {
        float max = TensorPrimitives.MaxMagnitude(x);
        max = MathF.Abs(max);
        if (max == 0f || !float.IsFinite(max)) { q.Clear(); return 0f; }
        float inv = 127f / max;
        for (int j = 0; j < x.Length; j++) q[j] = (sbyte)Math.Clamp((int)MathF.Round(x[j] * inv), -127, 127);
        return max / 127f;
    }

    /// <summary>The float weight these values stand for (out, in).</summary>
    public Tensor Dequantize()
    {
        var t = Tensor.Empty(OutFeatures, InFeatures);
        var d = t.Span;
        for (int r = 0; r < OutFeatures; r++)
            for (int c = 0; c < InFeatures; c++) d[r * InFeatures + c] = Data[r * InFeatures + c] * Scales[r];
        return t;
    }

    /// <summary>x (…, in) → (…, out) with dynamic per-row int8 activations.</summary>
    public Tensor Forward(Tensor x, Tensor? bias = null)
    {
        if (x.Shape[^1] != InFeatures) throw new ArgumentException($"input {ShapeUtil.Format(x.Shape)} does not end in {InFeatures}");
        int rows = x.Numel / Math.Max(InFeatures, 1);
        var xs = x.ContiguousRaw().Span;
        var qx = new sbyte[rows * InFeatures]; var sx = new float[rows];
        for (int r = 0; r < rows; r++) sx[r] = QuantizeRow(xs.Slice(r * InFeatures, InFeatures), qx.AsSpan(r * InFeatures, InFeatures));
        var acc = new int[rows * OutFeatures];
        Int8Gemm.Multiply(qx, Data, acc, rows, OutFeatures, InFeatures);      // (rows, in) · (out, in)ᵀ → (rows, out) int32
        var shape = (int[])x.Shape.Clone(); shape[^1] = OutFeatures;
        var y = Tensor.Empty(shape);
        var ys = y.Span;
        ReadOnlySpan<float> b = bias is null ? default : bias.ContiguousRaw().Span;
        for (int r = 0; r < rows; r++)
        {
            float s = sx[r];
            var yr = ys.Slice(r * OutFeatures, OutFeatures);
            for (int c = 0; c < OutFeatures; c++) yr[c] = acc[r * OutFeatures + c] * s * Scales[c];
            if (!b.IsEmpty) TensorPrimitives.Add(yr, b, yr);
        }
        return y;
    }
}
