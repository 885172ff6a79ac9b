using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Tensors;

public class Int8GemmTests
{
    private static sbyte[] RandomInt8(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (sbyte)r.Next(-127, 128)).ToArray();
    }

    private static readonly (int M, int N, int K)[] Sizes =
        { (3, 5, 7), (4, 9, 64), (7, 3, 97), (1, 1, 256), (2, 8, 97), (5, 12, 40), (1, 64, 256), (1, 17, 33), (6, 31, 130), (9, 16, 4), (4, 48, 1) };

    private static int[] Reference(sbyte[] a, sbyte[] b, int m, int n, int k)
    {
        var c = new int[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                int s = 0;
                for (int p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
                c[i * n + j] = s;
            }
        return c;
    }

    private static (sbyte[] A, sbyte[] B) Operands(int m, int n, int k)
    {
        var a = RandomInt8(m * k, 1 + m + k); var b = RandomInt8(n * k, 2 + n + k);
        a[0] = 127; b[0] = -127;                                      // extremes: |2·127·127| must not saturate
        if (k > 1) { a[1] = -127; b[1] = -127; }
        return (a, b);
    }

    private static void UnpackedEqualsReference(Int8GemmPath path)
    {
        foreach (var (m, n, k) in Sizes)
        {
            var (a, b) = Operands(m, n, k);
            var c = new int[m * n];
            Int8Gemm.Multiply(a, b, c, m, n, k, path);
            Assert.Equal(Reference(a, b, m, n, k), c);
        }
    }

    private static void PackedEqualsReference(Int8GemmPath path)
    {
        foreach (var (m, n, k) in Sizes)
        {
            var (a, b) = Operands(m, n, k);
            var packed = Int8PackedMatrix.Pack(b, n, k);
            var c = new int[m * n];
            Int8Gemm.MultiplyPacked(a, packed, c, m, path);
            Assert.Equal(Reference(a, b, m, n, k), c);
        }
    }

    [Int8PathFact(Int8GemmPath.Portable)] public void PortableEqualsTheIntegerReference() => UnpackedEqualsReference(Int8GemmPath.Portable);
    [Int8PathFact(Int8GemmPath.Avx2)] public void Avx2EqualsTheIntegerReference() => UnpackedEqualsReference(Int8GemmPath.Avx2);
    [Int8PathFact(Int8GemmPath.AvxVnni)] public void AvxVnniEqualsTheIntegerReference() => UnpackedEqualsReference(Int8GemmPath.AvxVnni);
    [Int8PathFact(Int8GemmPath.Portable, packed: true)] public void PackedPortableEqualsTheIntegerReference() => PackedEqualsReference(Int8GemmPath.Portable);
    [Int8PathFact(Int8GemmPath.AvxVnni, packed: true)] public void PackedAvxVnniEqualsTheIntegerReference() => PackedEqualsReference(Int8GemmPath.AvxVnni);

    [Fact]
    public void PackedAvx2IsRefused()
    {
        Assert.False(Int8Gemm.IsPackedSupported(Int8GemmPath.Avx2));
        var p = Int8PackedMatrix.Pack(new sbyte[8], 2, 4);
        Assert.Throws<PlatformNotSupportedException>(() => Int8Gemm.MultiplyPacked(new sbyte[4], p, new int[2], 1, Int8GemmPath.Avx2));
    }

    [Int8PathFact(Int8GemmPath.Portable, packed: true)] public void PackedPortableFusesTheDequantisation() => FusedDequantisationEqualsScaledIntegers(Int8GemmPath.Portable);
    [Int8PathFact(Int8GemmPath.AvxVnni, packed: true)] public void PackedAvxVnniFusesTheDequantisation() => FusedDequantisationEqualsScaledIntegers(Int8GemmPath.AvxVnni);

    private static void FusedDequantisationEqualsScaledIntegers(Int8GemmPath path)
    {
        // y = acc · s_row · s_col + bias, the accumulators exact (|acc| ≤ 127·127·130 < 2²⁴)
        int m = 5, n = 21, k = 130, kp = (k + 3) & ~3;
        var (a, b) = Operands(m, n, k);
        var packed = Int8PackedMatrix.Pack(b, n, k);
        var au = new byte[m * kp];
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) au[i * kp + p] = (byte)(a[i * k + p] + 128);
        var rs = Enumerable.Range(0, m).Select(i => 0.01f * (i + 1)).ToArray();
        var cs = Enumerable.Range(0, n).Select(j => 0.001f * (j + 3)).ToArray();
        var bias = Enumerable.Range(0, n).Select(j => j - 10f).ToArray();
        var reference = Reference(a, b, m, n, k);
        var y = new float[m * n];
        Int8Gemm.MultiplyPackedScaled(au, packed, m, rs, cs, bias, y, path);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                Assert.Equal(reference[i * n + j] * (cs[j] * rs[i]) + bias[j], y[i * n + j], 1e-3f);
    }

    [Fact]
    public void Int8LinearIsCloseToTheFloatReference()
    {
        var lin = new Linear(96, 40, rng: new Rng(3));
        var x = Tensor.Randn(new Rng(4), 2, 5, 96);
        Tensor reference;
        using (GradMode.NoGrad()) reference = lin.Forward(x);
        lin.Int8 = Int8Weight.Quantize(lin.Weight);
        Tensor y;
        using (GradMode.NoGrad()) y = lin.Forward(x);
        Assert.Equal(reference.Shape, y.Shape);
        var r = reference.ToArray(); var q = y.ToArray();
        double err = 0, norm = 0;
        for (int i = 0; i < r.Length; i++) { err += (r[i] - q[i]) * (r[i] - q[i]); norm += r[i] * r[i]; }
        Assert.True(Math.Sqrt(err / norm) < 0.02, $"relative error {Math.Sqrt(err / norm)}");
        Assert.NotEqual(r, q);                                      // it did run the int8 path
        Assert.True(lin.Forward(x).AllClose(reference, 1e-5f, 1e-6f)); // grad mode on: the float weights
    }

    [Fact]
    public void VectorisedRowQuantisationEqualsTheScalarRule()
    {
        var r = new Random(9);
        var x = Enumerable.Range(0, 77).Select(_ => (float)(r.NextDouble() * 6 - 3)).ToArray();
        x[5] = -4.5f;                                                   // the largest magnitude: −127
        x[40] = 4.5f * 64.5f / 127f;                                    // about half way between two steps
        var q = new sbyte[x.Length];
        float scale = Int8Weight.QuantizeRow(x, q);
        Assert.Equal(4.5f / 127f, scale);
        for (int j = 0; j < x.Length; j++) Assert.Equal((sbyte)Math.Clamp((int)MathF.Round(x[j] * (127f / 4.5f)), -127, 127), q[j]);
        Assert.Equal(-127, q[5]);
        var u = new byte[80];
        u.AsSpan().Fill(7);
        Assert.Equal(scale, Int8Weight.QuantizeRowUnsigned(x, u));
        for (int j = 0; j < x.Length; j++) Assert.Equal(q[j] + 128, u[j]);
        Assert.Equal(new byte[3], u[77..]);                             // padding to a multiple of 4 zeroed
    }

    [Fact]
    public void QuantizedWeightsRoundTripWithinHalfAStep()
    {
        var w = Tensor.Randn(new Rng(5), 6, 33);
        w.Span.Slice(33, 33).Clear();                               // an all-zero channel
        var q = Int8Weight.Quantize(w);
        Assert.Equal(0f, q.Scales[1]);
        var d = q.Dequantize().ToArray(); var o = w.ToArray();
        for (int i = 0; i < o.Length; i++) Assert.True(Math.Abs(d[i] - o[i]) <= q.Scales[i / 33] / 2 + 1e-6f);
        Assert.All(q.Data, v => Assert.InRange(v, (sbyte)-127, (sbyte)127));
    }

    [Fact]
    public void QuantizerSkipsTiedAndNamedLayers()
    {
        var model = (EncDec.Models.EncoderDecoder)EncDec.Models.ModelFactory.Build(
            EncDec.Tests.Models.ModelTestKit.Transformer(12, 12) with { TieOutput = true });
        int n = Int8Quantizer.Quantize(model);
        Assert.Null(model.Generator.Int8);                          // tied to the target embedding
        Assert.Equal(model.NamedModules().Count(m => m.Module is Linear) - 1, n);
    }
}
