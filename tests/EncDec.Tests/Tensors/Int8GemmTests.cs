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

    [Theory]
    [InlineData(Int8GemmPath.Portable)]
    [InlineData(Int8GemmPath.Avx2)]
    [InlineData(Int8GemmPath.AvxVnni)]
    public void EveryPathEqualsTheIntegerReference(Int8GemmPath path)
    {
        if (!Int8Gemm.IsSupported(path)) return;   // AVX-VNNI is absent on some CPUs; the portable path always runs
        foreach (var (m, n, k) in new[] { (3, 5, 7), (4, 9, 64), (7, 3, 97), (1, 1, 256), (2, 8, 97), (5, 12, 40), (1, 64, 256) })
        {
            var a = RandomInt8(m * k, 1); var b = RandomInt8(n * k, 2);
            a[0] = 127; b[0] = -127; a[1] = -127; b[1] = -127;   // extremes: |2·127·127| must not saturate
            var c = new int[m * n];
            Int8Gemm.Multiply(a, b, c, m, n, k, path);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    int s = 0;
                    for (int p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
                    Assert.Equal(s, c[i * n + j]);
                }
        }
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
