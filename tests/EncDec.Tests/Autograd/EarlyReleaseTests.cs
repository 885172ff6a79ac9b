using EncDec.Autograd;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Autograd;

/// <summary>
/// Inside a <see cref="TensorScope"/> that frees activations, backward returns each intermediate buffer to the pool as
/// soon as nothing can read it again (the node's incoming gradient, its output once all consumers are done, the
/// temporaries of its backward), and the gradients stay exactly those of the same computation made outside any scope.
/// </summary>
public class EarlyReleaseTests
{
    private static (Tensor W1, Tensor W2, float[] X) Parameters()
    {
        var rng = new Rng(5);
        using (TensorScope.Suspend())
        {
            var w1 = Tensor.Uniform(rng, -0.3f, 0.3f, 24, 16).RequiresGrad_();
            var w2 = Tensor.Uniform(rng, -0.3f, 0.3f, 7, 24).RequiresGrad_();
            var x = new float[10 * 16];
            for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextNormal();
            return (w1, w2, x);
        }
    }

    /// <summary>An MLP with a residual-style reuse of one activation, a transposed matmul operand and a loss.</summary>
    private static (Tensor Loss, Tensor[] Intermediates) Forward(Tensor w1, Tensor w2, float[] xData)
    {
        var x = Tensor.FromArray((float[])xData.Clone(), 10, 16);
        var h = x.MatMul(w1, transB: true);                 // (10, 16)·(16, 24) → (10, 24)
        var a = h.Tanh();
        var r = a + a.Mul(a);                               // a is read by two consumers
        var logits = r.MatMul(w2, transB: true);            // (10, 24)·(24, 7) → (10, 7)
        var targets = new IndexTensor(new[] { 0, 1, 2, 3, 4, 5, 6, 0, 1, -100 }, 10);
        var loss = F.CrossEntropy(logits, targets, ignoreIndex: -100, labelSmoothing: 0.1f);
        return (loss, new[] { h, a, r, logits });
    }

    [Fact]
    public void BackwardInAScopeReleasesIntermediatesAndKeepsTheGradients()
    {
        var (w1, w2, x) = Parameters();
        var (refLoss, _) = Forward(w1, w2, x);
        refLoss.Backward();
        var g1 = w1.Grad!.ToArray(); var g2 = w2.Grad!.ToArray();
        w1.ZeroGrad(); w2.ZeroGrad();

        using (TensorScope.Begin(freeActivations: true))
        {
            var (loss, mids) = Forward(w1, w2, x);
            Assert.All(mids, t => Assert.False(t.Storage.IsReleased));
            float value = loss.Item();
            loss.Backward();
            // every intermediate's buffer went back to the pool during backward; the loss (the root) is still readable
            Assert.All(mids, t => Assert.True(t.Storage.IsReleased));
            Assert.Equal(value, loss.Item());
            Assert.Equal(refLoss.Item(), value);
        }
        Assert.Equal(g1, w1.Grad!.ToArray());
        Assert.Equal(g2, w2.Grad!.ToArray());
    }

    [Fact]
    public void AnOrdinaryScopeKeepsIntermediatesReadableAfterBackward()
    {
        var (w1, w2, x) = Parameters();
        using (TensorScope.Begin())
        {
            var (loss, mids) = Forward(w1, w2, x);
            var before = mids.Select(t => t.ToArray()).ToList();
            loss.Backward();
            for (int i = 0; i < mids.Length; i++) Assert.Equal(before[i], mids[i].ToArray());
        }
    }

    [Fact]
    public void OutsideAScopeNothingIsReleased()
    {
        var (w1, w2, x) = Parameters();
        var (loss, mids) = Forward(w1, w2, x);
        loss.Backward();
        Assert.All(mids, t => Assert.False(t.Storage.IsReleased));
        Assert.Equal(10 * 24, mids[1].ToArray().Length);
    }

    [Fact]
    public void ASecondBackwardThroughTheSameCrossEntropyIsRefused()
    {
        var (w1, w2, x) = Parameters();
        var (loss, _) = Forward(w1, w2, x);
        loss.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("cross_entropy", e.Message);
    }

    [Fact]
    public void ZeroGradReturnsTheBufferBackwardMadeButNotOneTheCallerAssigned()
    {
        var (w1, w2, x) = Parameters();
        var (loss, _) = Forward(w1, w2, x);
        loss.Backward();
        var made = w1.Grad!;
        var expected = made.ToArray();
        w1.ZeroGrad();
        Assert.Null(w1.Grad);
        Assert.True(made.Storage.IsReleased);

        var mine = Tensor.FromArray(new float[24 * 16], 24, 16);
        w2.Grad = mine;
        w2.ZeroGrad();
        Assert.False(mine.Storage.IsReleased);

        // the next backward makes a fresh buffer with the same gradient
        var (again, _) = Forward(w1, w2, x);
        again.Backward();
        Assert.Equal(expected, w1.Grad!.ToArray());
    }

    [Fact]
    public void PoolCapacityFollowsTheHighWaterMarkOfScopedBuffers()
    {
        long before = TensorPool.PeakLiveBytes;
        using (TensorScope.Begin())
        {
            var big = Tensor.Zeros(4 << 20);                 // 16 MiB live at once, tracked by the scope
            Assert.True(TensorPool.LiveBytes >= 16L << 20);
            Assert.True(TensorPool.PeakLiveBytes >= Math.Max(before, 16L << 20));
            Assert.Equal(0f, big[0]);
        }
        Assert.True(TensorPool.CapacityBytes >= Math.Min(TensorPool.MaxPooledBytes, TensorPool.PeakLiveBytes));
        Assert.True(TensorPool.CapacityBytes <= TensorPool.MaxPooledBytes);
    }
}
