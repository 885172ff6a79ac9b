using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Nn;

/// <summary>The decoding cache's row table (beam reorders copy no keys/values) and the packed query/key/value projection.</summary>
public class AttentionCacheTests
{
    [Fact]
    public void ReorderedCachesEqualExplicitCopiesAndStayImmutable()
    {
        using var _ = GradMode.NoGrad();
        var rng = new Rng(11);
        const int h = 2, dh = 4;
        var mha = new MultiheadAttention(h * dh, h, rng: new Rng(3));
        var c = AttentionCache.FromStep(Tensor.Randn(rng, 3, h, 1, dh), Tensor.Randn(rng, 3, h, 1, dh));
        Tensor refK = c.Key.Contiguous(), refV = c.Value.Contiguous();        // the same history kept by explicit copies
        var picks = new[] { new[] { 1, 1, 0 }, new[] { 2, 0, 1, 1 }, new[] { 3, 0 }, new[] { 0, 1, 1, 0, 1 }, new[] { 4, 3, 2, 1, 0 } };
        AttentionCache? early = null; Tensor? earlyK = null;
        foreach (var pick in picks)
        {
            var idx = new IndexTensor(pick, pick.Length);
            var reordered = c.Reorder(idx);
            refK = F.IndexSelect(refK, 0, idx); refV = F.IndexSelect(refV, 0, idx);   // (B', H, T, Dh)
            Assert.True(reordered.Key.AllClose(refK, 0f, 0f));
            Assert.True(reordered.Value.AllClose(refV, 0f, 0f));
            // a step through the row table equals the same step over a cache made of the gathered copies
            var x = Tensor.Randn(rng, pick.Length, 1, h * dh);                        // (B', 1, E)
            var (viaTable, next) = mha.ForwardIncremental(x, reordered);
            var (viaCopy, _) = mha.ForwardIncremental(x, new AttentionCache(refK.Contiguous(), refV.Contiguous()));
            Assert.True(viaTable.AllClose(viaCopy, 0f, 0f));
            refK = next.Key.Contiguous(); refV = next.Value.Contiguous();
            Assert.Equal(reordered.Length + 1, next.Length);
            c = next;
            if (early is null) { early = c; earlyK = c.Key.Contiguous(); }
        }
        Assert.Equal(1 + picks.Length, c.Length);
        Assert.Equal(5, c.BatchSize);
        Assert.True(early!.Key.AllClose(earlyK!, 0f, 0f));                             // later steps wrote nowhere it reads
        var forked = early.Append(Tensor.Randn(rng, 3, h, 1, dh), Tensor.Randn(rng, 3, h, 1, dh));   // an older cache forks: copies
        Assert.True(forked.Key.Narrow(2, 0, early.Length).AllClose(earlyK!, 0f, 0f));
        Assert.True(c.Key.AllClose(refK, 0f, 0f));
    }

    [Fact]
    public void ReorderToTheSameRowsKeepsTheBufferView()
    {
        using var _ = GradMode.NoGrad();
        var rng = new Rng(12);
        var c = AttentionCache.FromStep(Tensor.Randn(rng, 2, 1, 1, 4), Tensor.Randn(rng, 2, 1, 1, 4));
        var same = c.Reorder(new IndexTensor(new[] { 0, 1 }, 2));
        Assert.Same(c.Key.Storage, same.Key.Storage);                                  // identity: a view, no gathered copy
        var swapped = c.Reorder(new IndexTensor(new[] { 1, 0 }, 2));
        Assert.NotSame(c.Key.Storage, swapped.Key.Storage);
        Assert.True(swapped.Key.Narrow(0, 0, 1).AllClose(c.Key.Narrow(0, 1, 1), 0f, 0f));
    }

    [Theory]
    [InlineData(NormPosition.Post)]
    [InlineData(NormPosition.Pre)]
    public void PackedSelfAttentionProjectionGivesTheSameSteps(NormPosition norm)
    {
        var opts = new TransformerLayerOptions(8, 2, 16, 0.1f, Activation.Relu, norm);
        var dec = new TransformerDecoder(opts, 2, finalNorm: norm == NormPosition.Pre, rng: new Rng(7));
        dec.Eval();
        var tgt = GradCheck.Rand(1, 3, 4, 8); var mem = GradCheck.Rand(2, 3, 5, 8);
        using var _ = GradMode.NoGrad();
        var memCaches = dec.PrecomputeMemory(mem);
        var packed = dec.PackSelfAttention();
        Assert.All(packed, p => Assert.Equal(new[] { 24, 8 }, p!.Weight.Shape));
        IReadOnlyList<AttentionCache>? plain = null, fused = null;
        for (int t = 0; t < 4; t++)
        {
            var x = tgt.Narrow(1, t, 1);
            var (y1, n1, _) = dec.ForwardIncremental(x, memCaches, plain, null, false);
            var (y2, n2, _) = dec.ForwardIncremental(x, memCaches, fused, null, false, packed);
            plain = n1; fused = n2;
            Assert.True(y2.AllClose(y1, 1e-6f, 1e-6f), $"step {t}");
            Assert.True(n2[1].Key.AllClose(n1[1].Key, 1e-6f, 1e-6f));
        }
    }

    [Fact]
    public void Int8ProjectionsAreNotPacked()
    {
        var mha = new MultiheadAttention(8, 2, rng: new Rng(4));
        Assert.NotNull(mha.PackQkv());
        Int8Quantizer.Quantize(mha);
        Assert.Null(mha.PackQkv());
    }
}
