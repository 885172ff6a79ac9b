using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Nn;

public class AttentionTests
{
    private static Tensor Rand(int seed, params int[] shape) => GradCheck.Rand(seed, shape);

    /// <summary>Parameters to gradcheck: all but the key-projection biases, whose true gradient is zero (softmax is
    /// invariant to adding q·b to every score of a row), so finite differences there are pure rounding noise.</summary>
    private static Tensor[] Checked(Module m)
        => m.NamedParameters().Where(p => !p.Name.EndsWith("k_proj.bias", StringComparison.Ordinal)).Select(p => p.Param).ToArray();

    /// <summary>Additive mask (B, 1, 1, Tk) padding the last key of batch row 1, plus the causal flag.</summary>
    private static Tensor PadMask(int b, int tk, int padRow = 1, int padCount = 1)
    {
        var kpm = Tensor.Zeros(b, tk);
        for (int j = tk - padCount; j < tk; j++) kpm[padRow, j] = 1f;
        return Attention.KeyPaddingToAdditive(kpm);
    }

    [Theory]
    [InlineData(false, 3, 3)]
    [InlineData(true, 3, 3)]
    [InlineData(true, 2, 4)]
    public void FusedEqualsComposed(bool causal, int tq, int tk)
    {
        int b = 2, h = 2, dh = 3;
        var mask = PadMask(b, tk);
        var q1 = Rand(1, b, h, tq, dh).RequiresGrad_(); var k1 = Rand(2, b, h, tk, dh).RequiresGrad_(); var v1 = Rand(3, b, h, tk, dh).RequiresGrad_();
        var q2 = Rand(1, b, h, tq, dh).RequiresGrad_(); var k2 = Rand(2, b, h, tk, dh).RequiresGrad_(); var v2 = Rand(3, b, h, tk, dh).RequiresGrad_();
        var r = Rand(4, b, h, tq, dh);
        var fused = Attention.ScaledDotProductAttention(q1, k1, v1, mask, causal);
        var (composed, _) = Attention.ScaledDotProductAttentionComposed(q2, k2, v2, mask, causal);
        Assert.True(fused.AllClose(composed, 1e-5f, 1e-6f));
        (fused * r).Sum().Backward();
        (composed * r).Sum().Backward();
        Assert.True(q1.Grad!.AllClose(q2.Grad!, 1e-4f, 1e-6f));
        Assert.True(k1.Grad!.AllClose(k2.Grad!, 1e-4f, 1e-6f));
        Assert.True(v1.Grad!.AllClose(v2.Grad!, 1e-4f, 1e-6f));
    }

    [Fact]
    public void FusedDropoutMatchesComposedWithSameGenerator()
    {
        int b = 2, h = 2, t = 4, dh = 3;
        var q = Rand(1, b, h, t, dh); var k = Rand(2, b, h, t, dh); var v = Rand(3, b, h, t, dh);
        var fused = Attention.ScaledDotProductAttention(q, k, v, null, true, 0.3f, true, new Rng(9));
        var (composed, _) = Attention.ScaledDotProductAttentionComposed(q, k, v, null, true, 0.3f, true, new Rng(9));
        Assert.True(fused.AllClose(composed, 1e-5f, 1e-6f));
        var eval = Attention.ScaledDotProductAttention(q, k, v, null, true, 0.3f, false, new Rng(9));
        Assert.False(eval.AllClose(fused, 1e-3f, 1e-4f));
    }

    [Fact]
    public void FusedGradCheck()
    {
        var mask = PadMask(2, 4);
        GradCheck.Check(x => Attention.ScaledDotProductAttention(x[0], x[1], x[2], mask, causal: true),
            new[] { Rand(1, 2, 2, 4, 3), Rand(2, 2, 2, 4, 3), Rand(3, 2, 2, 4, 3) });
    }

    [Fact]
    public void FusedGradCheckWithDropout()
    {
        // The same generator state each evaluation, so the dropout mask is fixed.
        GradCheck.Check(x => Attention.ScaledDotProductAttention(x[0], x[1], x[2], null, false, 0.25f, true, new Rng(5)),
            new[] { Rand(1, 1, 2, 3, 2), Rand(2, 1, 2, 4, 2), Rand(3, 1, 2, 4, 2) });
    }

    [Fact]
    public void FullyMaskedRowGivesZerosNotNaN()
    {
        int b = 2, h = 1, t = 3, dh = 2;
        var kpm = Tensor.Zeros(b, t);
        for (int j = 0; j < t; j++) kpm[1, j] = 1f;                       // batch row 1: every key is padding
        var mask = Attention.KeyPaddingToAdditive(kpm);
        foreach (bool fusedPath in new[] { true, false })
        {
            var q = Rand(1, b, h, t, dh).RequiresGrad_(); var k = Rand(2, b, h, t, dh).RequiresGrad_(); var v = Rand(3, b, h, t, dh).RequiresGrad_();
            var o = fusedPath ? Attention.ScaledDotProductAttention(q, k, v, mask) : Attention.ScaledDotProductAttentionComposed(q, k, v, mask).Output;
            Assert.False(o.HasNonFinite());
            Assert.All(o.Narrow(0, 1, 1).ToArray(), x => Assert.Equal(0f, x));
            o.Sum().Backward();
            Assert.False(q.Grad!.HasNonFinite() || k.Grad!.HasNonFinite() || v.Grad!.HasNonFinite());
        }
    }

    [Fact]
    public void MultiheadAttentionGradCheck()
    {
        var mha = new MultiheadAttention(4, 2, rng: new Rng(3));
        var kpm = Tensor.Zeros(2, 3); kpm[0, 2] = 1f;
        var ps = Checked(mha);
        GradCheck.Check(x => mha.Forward(x[0], x[1], x[1], kpm, null, isCausal: false).Output,
            new[] { Rand(1, 2, 2, 4), Rand(2, 2, 3, 4) }.Concat(ps).ToArray(), tol: 2e-3);
        GradCheck.Check(x => mha.Forward(x[0], x[0], x[0], isCausal: true, needWeights: true).Weights!, new[] { Rand(3, 2, 3, 4) }, tol: 2e-3);
    }

    [Fact]
    public void IncrementalSelfAttentionEqualsCausalForward()
    {
        var mha = new MultiheadAttention(8, 2, rng: new Rng(4));
        var x = Rand(5, 3, 6, 8);
        using var _ = GradMode.NoGrad();
        var full = mha.Forward(x, x, x, isCausal: true).Output;                  // (B, T, E)
        AttentionCache? cache = null;
        for (int t = 0; t < 6; t++)
        {
            var (o, c) = mha.ForwardIncremental(x.Narrow(1, t, 1), cache);
            cache = c;
            Assert.Equal(t + 1, cache.Length);
            Assert.True(o.AllClose(full.Narrow(1, t, 1), 1e-5f, 1e-5f), $"step {t}");
        }
        // two steps at once (causal among themselves) continue the same way
        var (o2, _) = mha.ForwardIncremental(x.Narrow(1, 0, 2), null);
        Assert.True(o2.AllClose(full.Narrow(1, 0, 2), 1e-5f, 1e-5f));
    }

    [Fact]
    public void AdditiveCausalMaskAloneEqualsCausalFlag()
    {
        var mha = new MultiheadAttention(8, 2, rng: new Rng(5));
        var x = Rand(1, 2, 4, 8);
        using var _ = GradMode.NoGrad();
        var flag = mha.Forward(x, x, x, isCausal: true).Output;
        var (masked, w) = mha.Forward(x, x, x, null, Attention.GenerateSquareSubsequentMask(4), needWeights: true);
        Assert.True(masked.AllClose(flag, 1e-5f, 1e-6f));
        Assert.Equal(0f, w![0, 0, 1]);                                         // future keys get no weight
        Assert.Equal(1f, w[1, 0, 0], 5);
    }

    [Fact]
    public void CrossAttentionWithPrecomputedKeyValues()
    {
        var mha = new MultiheadAttention(8, 4, rng: new Rng(6));
        var q = Rand(1, 2, 3, 8); var mem = Rand(2, 2, 5, 8);
        var kpm = Tensor.Zeros(2, 5); kpm[1, 4] = 1f; kpm[1, 3] = 1f;
        using var _ = GradMode.NoGrad();
        var full = mha.Forward(q, mem, mem, kpm).Output;
        var cache = mha.PrecomputeKeyValue(mem);
        Assert.True(mha.ForwardWithCache(q, cache, kpm).Output.AllClose(full, 1e-5f, 1e-6f));
        var reordered = cache.Reorder(new IndexTensor(new[] { 1, 1 }, 2));
        var o = mha.ForwardWithCache(q.Narrow(0, 1, 1).Expand(2, 3, 8), reordered, Tensor.Zeros(2, 5)).Output;
        var expect = mha.Forward(q.Narrow(0, 1, 1), mem.Narrow(0, 1, 1), mem.Narrow(0, 1, 1)).Output;
        Assert.True(o.Narrow(0, 0, 1).AllClose(expect, 1e-5f, 1e-6f));
    }

    [Theory]
    [InlineData(NormPosition.Post)]
    [InlineData(NormPosition.Pre)]
    public void DecoderIncrementalEqualsFullForward(NormPosition norm)
    {
        var opts = new TransformerLayerOptions(8, 2, 16, 0.1f, Activation.Gelu, norm);
        var dec = new TransformerDecoder(opts, 2, finalNorm: norm == NormPosition.Pre, rng: new Rng(7));
        dec.Eval();
        var tgt = Rand(1, 2, 5, 8); var mem = Rand(2, 2, 4, 8);
        var mkpm = Tensor.Zeros(2, 4); mkpm[0, 3] = 1f;
        using var _ = GradMode.NoGrad();
        var full = dec.Forward(tgt, mem, null, null, mkpm, tgtIsCausal: true);
        var memCaches = dec.PrecomputeMemory(mem);
        IReadOnlyList<AttentionCache>? self = null;
        for (int t = 0; t < 5; t++)
        {
            var (y, next) = dec.ForwardIncremental(tgt.Narrow(1, t, 1), memCaches, self, mkpm);
            self = next;
            Assert.True(y.AllClose(full.Narrow(1, t, 1), 1e-5f, 1e-5f), $"step {t}");
        }
    }

    [Theory]
    [InlineData(NormPosition.Post, Activation.Relu)]
    [InlineData(NormPosition.Pre, Activation.Gelu)]
    public void EncoderLayerGradCheck(NormPosition norm, Activation act)
    {
        var layer = new TransformerEncoderLayer(new TransformerLayerOptions(4, 2, 6, 0f, act, norm), new Rng(8));
        var kpm = Tensor.Zeros(2, 3); kpm[1, 2] = 1f;
        var ps = Checked(layer);
        GradCheck.Check(x => layer.Forward(x[0], kpm), new[] { Rand(1, 2, 3, 4) }.Concat(ps).ToArray(), tol: 5e-3, step: 5e-3f);
    }

    [Theory]
    [InlineData(NormPosition.Post, Activation.Gelu)]
    [InlineData(NormPosition.Pre, Activation.Relu)]
    public void DecoderLayerGradCheck(NormPosition norm, Activation act)
    {
        var layer = new TransformerDecoderLayer(new TransformerLayerOptions(4, 2, 6, 0f, act, norm), new Rng(9));
        var mkpm = Tensor.Zeros(2, 3); mkpm[0, 2] = 1f;
        var ps = Checked(layer);
        GradCheck.Check(x => layer.Forward(x[0], x[1], null, null, mkpm, tgtIsCausal: true),
            new[] { Rand(1, 2, 2, 4), Rand(2, 2, 3, 4) }.Concat(ps).ToArray(), tol: 5e-3, step: 5e-3f);
    }

    [Fact]
    public void FeedForwardNamesAndShape()
    {
        var ff = new PositionwiseFeedForward(4, 8, Activation.Gelu, 0f, new Rng(1));
        Assert.Equal(new[] { "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias" }, ff.NamedParameters().Select(p => p.Name));
        Assert.Equal(new[] { 2, 3, 4 }, ff.Forward(Rand(1, 2, 3, 4)).Shape);
    }

    [Fact]
    public void SinusoidalTableHasThePaperValues()
    {
        const int d = 6;
        var pe = new SinusoidalPositionalEncoding(d, initialLength: 2);
        var table = pe.Table(50, offset: 3);                                 // grows past the initial length
        for (int pos = 3; pos < 53; pos++)
            for (int i = 0; i < d / 2; i++)
            {
                double angle = pos / Math.Pow(10000, 2.0 * i / d);
                Assert.Equal((float)Math.Sin(angle), table[pos - 3, 2 * i]);
                Assert.Equal((float)Math.Cos(angle), table[pos - 3, 2 * i + 1]);
            }
        Assert.Equal(0f, pe.Table(1)[0, 0]); Assert.Equal(1f, pe.Table(1)[0, 1]);
        Assert.Empty(pe.StateDict());
        var x = Tensor.Zeros(2, 4, d);
        Assert.True(pe.Forward(x, offset: 5).Narrow(0, 1, 1).Reshape(4, d).AllClose(pe.Table(4, 5), 0f, 0f));
    }

    [Fact]
    public void LearnedPositionsAddRowsAndRejectLongInputs()
    {
        var lp = new LearnedPositionalEmbedding(6, 3, new Rng(2));
        Assert.Equal(new[] { "weight" }, lp.StateDict().Keys);
        var x = Tensor.Zeros(2, 4, 3).RequiresGrad_();
        var y = lp.Forward(x, offset: 2);
        Assert.Equal(lp.Weight[3, 1], y[1, 1, 1]);
        y.Sum().Backward();
        var g = lp.Weight.Grad!;
        Assert.Equal(0f, g[0, 0]); Assert.Equal(2f, g[2, 0]); Assert.Equal(2f, g[5, 2]);
        var ex = Assert.Throws<UserInputException>(() => lp.Forward(Tensor.Zeros(1, 5, 3), offset: 2));
        Assert.Contains("positions up to 7", ex.Message);
        Assert.Contains("only 6", ex.Message);
    }
}
