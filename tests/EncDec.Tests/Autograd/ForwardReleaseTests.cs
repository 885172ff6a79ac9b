using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Autograd;

/// <summary>
/// <see cref="Tensor.ReleaseUnsaved"/> returns, still during forward, the results no backward reads (a Linear's output
/// feeding a ReLU or a residual sum, a sum feeding a layer norm) and keeps those some backward reads (a ReLU's output,
/// a Linear's input), so the gradients stay exactly those of the same computation made outside any scope. Dropout
/// recomputes its mask in backward instead of storing it.
/// </summary>
public class ForwardReleaseTests
{
    private static Tensor Param(Rng rng, params int[] shape)
    {
        using (TensorScope.Suspend()) return Tensor.Uniform(rng, -0.5f, 0.5f, shape).RequiresGrad_();
    }

    [Fact]
    public void ReleasesWhatNoBackwardReadsAndKeepsTheRest()
    {
        var rng = new Rng(11);
        var w1 = Param(rng, 12, 8); var w2 = Param(rng, 8, 12); var x0 = Param(rng, 5, 8);
        float[] Grads(bool scoped)
        {
            w1.ZeroGrad(); w2.ZeroGrad(); x0.ZeroGrad();
            using (TensorScope.Begin(freeActivations: scoped))
            {
                var x = x0.MulScalar(2f);                                  // (5, 8), read by Linear and by the residual
                long mark = Tensor.RegionMark();
                var h = F.Linear(x, w1);                                   // (5, 8)·(8, 12) → (5, 12): only ReLU consumes it
                var r = h.Relu();                                          // ReLU's backward reads r; Linear's reads r
                var y = F.Linear(r, w2);                                   // (5, 12)·(12, 8) → (5, 8): the sum reads nothing
                var s = y + x;
                var n = F.LayerNorm(s, null, null);                        // reads its own normalised copy, not s
                long released = Tensor.ReleaseUnsaved(n, mark);
                if (scoped)
                {
                    Assert.True(h.Storage.IsReleased);
                    Assert.True(y.Storage.IsReleased);
                    Assert.True(s.Storage.IsReleased);
                    Assert.False(r.Storage.IsReleased);
                    Assert.False(n.Storage.IsReleased);
                    Assert.False(x.Storage.IsReleased);                    // made before the mark
                    Assert.True(released >= 4L * (5 * 12 + 5 * 8 + 5 * 8));
                }
                else Assert.Equal(0, released);                            // only a training scope releases early
                n.Mul(n).Sum().Backward();
            }
            return w1.Grad!.ToArray().Concat(w2.Grad!.ToArray()).Concat(x0.Grad!.ToArray()).ToArray();
        }
        Assert.Equal(Grads(false), Grads(true));
    }

    [Fact]
    public void KeptTensorsAndTheOutputsViewsStay()
    {
        var rng = new Rng(12);
        var w = Param(rng, 6, 4); var x = Param(rng, 3, 4);
        var lin = F.Linear(x, w).ToArray();
        var expected = lin.Select(v => v + 1f + 3f * v).ToArray();
        using var scope = TensorScope.Begin(freeActivations: true);
        long mark = Tensor.RegionMark();
        var a = F.Linear(x, w);                                            // (3, 4)·(4, 6) → (3, 6)
        var b = a.AddScalar(1f);                                           // would be released (the view below reads nothing)...
        var kept = a.MulScalar(3f);
        scope.Keep(kept);
        var v = b.Reshape(18);                                             // ...but the output is a view of b
        var outp = v + kept.Reshape(18);
        Tensor.ReleaseUnsaved(v, mark, outp);
        Assert.False(b.Storage.IsReleased);
        Assert.False(kept.Storage.IsReleased);
        Assert.True(a.Storage.IsReleased);                                 // AddScalar and MulScalar do not read it
        Assert.Equal(expected, outp.ToArray());
    }

    [Fact]
    public void DropoutWithoutAStoredMaskEqualsTheMaskOfTheSameGenerator()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (float)Math.Sin(i) + 0.1f).ToArray();
        var x = Tensor.FromArray(data, 10, 100).RequiresGrad_();
        var y = F.Dropout(x, 0.3f, training: true, rng: new Rng(7));
        var mask = F.DropoutMask(new[] { 10, 100 }, 0.3f, new Rng(7)).ToArray();
        var ys = y.ToArray();
        for (int i = 0; i < data.Length; i++) Assert.Equal(data[i] * mask[i], ys[i]);
        int dropped = mask.Count(m => m == 0f);
        Assert.InRange(dropped, 240, 360);
        var g = Tensor.FromArray(Enumerable.Range(0, 1000).Select(i => 1f + i % 7).ToArray(), 10, 100);
        y.Backward(g);
        var gx = x.Grad!.ToArray();
        for (int i = 0; i < data.Length; i++) Assert.Equal((1f + i % 7) * mask[i], gx[i]);
    }

    [Fact]
    public void ATransformerLayerStepHasTheSameGradientsWithLessLiveMemory()
    {
        var options = new TransformerLayerOptions(16, 2, 32, Dropout: 0.1f);
        (float[] Grads, long LiveAtPeak) Run(bool scoped)
        {
            var enc = new TransformerEncoderLayer(options, new Rng(21));
            var dec = new TransformerDecoderLayer(options, new Rng(22));
            enc.Train(); dec.Train();
            var rng = new Rng(23);
            Tensor src, tgt;
            using (TensorScope.Suspend()) { src = Tensor.Uniform(rng, -1f, 1f, 3, 7, 16); tgt = Tensor.Uniform(rng, -1f, 1f, 3, 5, 16); }
            long live;
            using (var scope = TensorScope.Begin(freeActivations: scoped))
            {
                var memory = enc.Forward(src);                                           // (B, S, d)
                var h = dec.Forward(tgt, memory, tgtIsCausal: true);                    // (B, T, d)
                var loss = h.Mul(h).Sum();
                live = scope.OwnedBytes;
                loss.Backward();
            }
            var grads = enc.Parameters().Concat(dec.Parameters()).SelectMany(p => p.Grad!.ToArray()).ToArray();
            return (grads, live);
        }
        var plain = Run(false);
        var released = Run(true);
        Assert.Equal(plain.Grads, released.Grads);
        // the ordinary scope holds every result until it ends; the training scope frees about a third during forward
        Assert.True(released.LiveAtPeak < plain.LiveAtPeak * 0.8, $"{released.LiveAtPeak} vs {plain.LiveAtPeak}");
    }

    [Fact]
    public void WithoutAGraphALayerReturnsItsTemporariesAtOnce()
    {
        var options = new TransformerLayerOptions(16, 2, 32, Dropout: 0.1f);
        var enc = new TransformerEncoderLayer(options, new Rng(31));
        var dec = new TransformerDecoderLayer(options, new Rng(32));
        enc.Eval(); dec.Eval();
        var rng = new Rng(33);
        Tensor src, tgt;
        using (TensorScope.Suspend()) { src = Tensor.Uniform(rng, -1f, 1f, 3, 7, 16); tgt = Tensor.Uniform(rng, -1f, 1f, 3, 5, 16); }
        var expected = dec.Forward(tgt, enc.Forward(src), tgtIsCausal: true).ToArray();   // outside any scope
        using (GradMode.NoGrad())
        using (var scope = TensorScope.Begin())
        {
            var memory = enc.Forward(src);                                                   // (B, S, d)
            Assert.InRange(scope.OwnedBytes, 4L * 3 * 7 * 16, 5L * 3 * 7 * 16);   // only the layer's output (pool classes round up ≤ 25%)
            var h = dec.Forward(tgt, memory, tgtIsCausal: true);                            // (B, T, d)
            Assert.InRange(scope.OwnedBytes, 4L * (3 * 7 * 16 + 3 * 5 * 16), 5L * (3 * 7 * 16 + 3 * 5 * 16));
            Assert.Equal(expected, h.ToArray());
        }
    }

    [Fact]
    public void PhaseGarbageIsCollectedOnlyWhenTheHeapGrewEnough()
    {
        int before = GC.CollectionCount(2);
        Assert.False(TensorPool.CollectPhaseGarbage(GC.GetTotalMemory(false), minGrowthBytes: long.MaxValue / 2));
        // a reading taken 64 MiB lower stands for a phase that left that much behind
        Assert.True(TensorPool.CollectPhaseGarbage(GC.GetTotalMemory(false) - (64L << 20), minGrowthBytes: 32L << 20));
        Assert.True(GC.CollectionCount(2) > before);
    }
}
