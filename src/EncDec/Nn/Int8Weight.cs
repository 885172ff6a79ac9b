using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
        if (Int8Gemm.BestPacked is not null) _packed = Int8PackedMatrix.Pack(data, outFeatures, inFeatures);
    }

    /// <summary>The weights re-laid once for the VNNI kernel (null where the CPU lacks it: the unpacked kernels run).</summary>
    private readonly Int8PackedMatrix? _packed;

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
    internal static float QuantizeRow(ReadOnlySpan<float> x, Span<sbyte> q) => QuantizeRow(x, q, 0);

    /// <summary><see cref="QuantizeRow(ReadOnlySpan{float}, Span{sbyte})"/> stored as unsigned bytes q + 128 (the operand form
    /// of <c>vpdpbusd</c>, <see cref="Int8PackedMatrix"/>); <paramref name="q"/> beyond the row (padding to a multiple of 4) is zeroed.</summary>
    internal static float QuantizeRowUnsigned(ReadOnlySpan<float> x, Span<byte> q)
    {
        q[x.Length..].Clear();
        return QuantizeRow(x, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(q[..x.Length]), 0x80);
    }

    /// <summary>The quantisation of one row, each stored byte XORed with <paramref name="flip"/> (0x80 turns q into q + 128).</summary>
    private static unsafe float QuantizeRow(ReadOnlySpan<float> x, Span<sbyte> q, byte flip)
    {
        float max = TensorPrimitives.MaxMagnitude(x);
        max = MathF.Abs(max);
        if (max == 0f || !float.IsFinite(max)) { q.Fill((sbyte)flip); return 0f; }
        float inv = 127f / max;
        int j = 0;
        if (Avx2.IsSupported && x.Length >= 32)
        {
            // 32 values at a time: scale, convert with round-to-nearest-even (as MathF.Round), pack int32 → int16 → int8
            // (|x·inv| ≤ 127 so the saturation never bites) and undo the packs' lane interleaving
            var vinv = Vector256.Create(inv);
            var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
            var vflip = Vector256.Create(flip).AsSByte();
            fixed (float* px = x)
            fixed (sbyte* pq = q)
                for (; j + 32 <= x.Length; j += 32)
                {
                    var i0 = Avx.ConvertToVector256Int32(Avx.Multiply(Avx.LoadVector256(px + j), vinv));
                    var i1 = Avx.ConvertToVector256Int32(Avx.Multiply(Avx.LoadVector256(px + j + 8), vinv));
                    var i2 = Avx.ConvertToVector256Int32(Avx.Multiply(Avx.LoadVector256(px + j + 16), vinv));
                    var i3 = Avx.ConvertToVector256Int32(Avx.Multiply(Avx.LoadVector256(px + j + 24), vinv));
                    var packed = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(i0, i1), Avx2.PackSignedSaturate(i2, i3));
                    Avx.Store(pq + j, Avx2.Xor(Avx2.PermuteVar8x32(packed.AsInt32(), order).AsSByte(), vflip));
                }
        }
        for (; j < x.Length; j++) q[j] = (sbyte)(Math.Clamp((int)MathF.Round(x[j] * inv), -127, 127) ^ (sbyte)flip);
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
        if (_packed is not null) return ForwardPacked(x, xs, rows, bias);
        var qx = ArrayPool<sbyte>.Shared.Rent(rows * InFeatures); var sx = ArrayPool<float>.Shared.Rent(rows);
        var acc = ArrayPool<int>.Shared.Rent(rows * OutFeatures);
        try
        {
            for (int r = 0; r < rows; r++) sx[r] = QuantizeRow(xs.Slice(r * InFeatures, InFeatures), qx.AsSpan(r * InFeatures, InFeatures));
            Int8Gemm.Multiply(qx, Data, acc, rows, OutFeatures, InFeatures);      // (rows, in) · (out, in)ᵀ → (rows, out) int32
            var shape = (int[])x.Shape.Clone(); shape[^1] = OutFeatures;
            var y = Tensor.Empty(shape);
            var ys = y.Span;
            ReadOnlySpan<float> b = bias is null ? default : bias.ContiguousRaw().Span;
            for (int r = 0; r < rows; r++)
            {
                var yr = ys.Slice(r * OutFeatures, OutFeatures);
                Rescale(acc.AsSpan(r * OutFeatures, OutFeatures), sx[r], Scales, yr);
                if (!b.IsEmpty) TensorPrimitives.Add(yr, b, yr);
            }
            return y;
        }
        finally
        {
            ArrayPool<sbyte>.Shared.Return(qx); ArrayPool<float>.Shared.Return(sx); ArrayPool<int>.Shared.Return(acc);
        }
    }

    /// <summary>The VNNI route: activations quantised per row straight to the unsigned form, one fused product that
    /// dequantises and adds the bias in registers.</summary>
    private Tensor ForwardPacked(Tensor x, ReadOnlySpan<float> xs, int rows, Tensor? bias)
    {
        var p = _packed!;
        int kp = p.PaddedK;
        var qx = ArrayPool<byte>.Shared.Rent(rows * kp); var sx = ArrayPool<float>.Shared.Rent(rows);
        try
        {
            for (int r = 0; r < rows; r++) sx[r] = QuantizeRowUnsigned(xs.Slice(r * InFeatures, InFeatures), qx.AsSpan(r * kp, kp));
            var shape = (int[])x.Shape.Clone(); shape[^1] = OutFeatures;
            var y = Tensor.Empty(shape);
            ReadOnlySpan<float> b = bias is null ? default : bias.ContiguousRaw().Span;
            Int8Gemm.MultiplyPackedScaled(qx, p, rows, sx, Scales, b, y.Span, Int8Gemm.BestPacked!.Value); // (rows, in) · (out, in)ᵀ → (rows, out)
            return y;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(qx); ArrayPool<float>.Shared.Return(sx);
        }
    }

    /// <summary>y[c] = acc[c] · s · scales[c].</summary>
    private static void Rescale(ReadOnlySpan<int> acc, float s, ReadOnlySpan<float> scales, Span<float> y)
    {
        int c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; c + 8 <= y.Length; c += 8)
                (Vector256.ConvertToSingle(Vector256.Create(acc.Slice(c, 8))) * vs * Vector256.Create(scales.Slice(c, 8))).CopyTo(y.Slice(c, 8));
        }
        for (; c < y.Length; c++) y[c] = acc[c] * s * scales[c];
    }
}
