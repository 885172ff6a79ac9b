using EncDec.Autograd;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Autograd;

/// <summary>
/// The vectorised training kernels give what their scalar definitions give: the dropout mask bit for bit (the SplitMix64
/// hash of seed and element index), fused cross-entropy within float rounding of log-softmax + NLL composed from ops.
/// </summary>
public class FastKernelTests
{
    /// <summary>The scalar definition of the mask: 0 with probability p, else 1/(1−p), from the hash of (seed, index).</summary>
    private static float MaskAt(ulong seed, int i, float p)
    {
        uint threshold = (uint)Math.Min(p * 4294967296.0, uint.MaxValue);
        ulong z = unchecked(seed + (ulong)i * 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (uint)((z ^ (z >> 31)) >> 32) < threshold ? 0f : 1f / (1f - p);
    }

    [Theory]
    [InlineData(1, 0.1f)]
    [InlineData(13, 0.3f)]
    [InlineData(70_001, 0.1f)]      // several parallel chunks, a tail that is not a multiple of 8
    [InlineData(257, 0.9f)]
    public void DropoutMaskMatchesTheScalarHashBitForBit(int n, float p)
    {
        ulong seed = new Rng(7).NextUInt64();                     // what DropoutMask draws from a fresh Rng(7)
        var mask = F.DropoutMask(new[] { n }, p, new Rng(7)).ToArray();
        var x = Tensor.FromArray(Enumerable.Range(0, n).Select(i => (i % 17) - 8.5f).ToArray(), n);
        var y = F.Dropout(x, p, training: true, new Rng(7)).ToArray();
        int dropped = 0;
        for (int i = 0; i < n; i++)
        {
            float m = MaskAt(seed, i, p);
            Assert.Equal(m, mask[i]);
            Assert.Equal(x.Span[i] * m, y[i]);
            if (m == 0f) dropped++;
        }
        if (n > 10_000) Assert.InRange(dropped / (double)n, p - 0.01, p + 0.01);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void FusedCrossEntropyMatchesComposedLogSoftmaxAndNll(float smoothing)
    {
        int rows = 37, v = 501;
        var rng = new Rng(3);
        var data = Enumerable.Range(0, rows * v).Select(_ => 4f * (float)rng.NextNormal()).ToArray();
        var targets = Enumerable.Range(0, rows).Select(r => r % 5 == 0 ? 0 : (r * 31) % v).ToArray();   // 0 = ignored
        var a = Tensor.FromArray(data, rows, v).RequiresGrad_();
        var loss = F.CrossEntropy(a, new IndexTensor(targets, rows), ignoreIndex: 0, labelSmoothing: smoothing);
        loss.Backward();

        // reference: log-softmax, picked and mean terms in double, gradient (softmax − smoothed one-hot) / count
        double total = 0; int count = 0;
        var grad = new double[rows * v];
        for (int r = 0; r < rows; r++)
        {
            if (targets[r] == 0) continue;
            count++;
            double max = double.NegativeInfinity, sum = 0, mean = 0;
            for (int j = 0; j < v; j++) max = Math.Max(max, data[r * v + j]);
            for (int j = 0; j < v; j++) { sum += Math.Exp(data[r * v + j] - max); mean += data[r * v + j]; }
            double lse = max + Math.Log(sum);
            total += (1 - smoothing) * (lse - data[r * v + targets[r]]) + smoothing * (lse - mean / v);
            for (int j = 0; j < v; j++) grad[r * v + j] = Math.Exp(data[r * v + j] - lse) - smoothing / v - (j == targets[r] ? 1 - smoothing : 0);
        }
        Assert.Equal(total / count, loss.Item(), 4);
        var g = a.Grad!.ToArray();
        for (int i = 0; i < g.Length; i++) Assert.True(Math.Abs(g[i] - grad[i] / count) < 1e-6, $"grad {i}: {g[i]} vs {grad[i] / count}");
        Assert.Equal(0f, g[0]);                                    // row 0 is ignored: no gradient
    }
}
