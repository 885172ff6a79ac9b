using EncDec.Autograd;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Autograd;

/// <summary>
/// Gradient checks (relative error &lt; 1e-3) for broadcasting, non-contiguous inputs of every op category,
/// multi-dim reductions, Expand/Split/Dropout/MaskedFill, and graph shapes (shared subgraphs, diamonds).
/// Inputs are leaves; the views under test are taken inside the checked function.
/// </summary>
public class CoverageTests
{
    private static Tensor R(int seed, params int[] shape) => GradCheck.Rand(seed, shape);

    /// <summary>Values in ±[0.2, 1.2] (away from the kinks of relu/max and the poles of div/log).</summary>
    private static Tensor Away(int seed, params int[] shape)
    {
        var t = R(seed, shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = MathF.Sign(s[i]) * (0.2f + MathF.Abs(s[i]));
        return t;
    }

    // ------------------------------------------------------------------ broadcasting

    [Fact] public void BroadcastBothDirectionsAllBinaryOps()
    {
        // (2, 1, 4) op (3, 1) -> (2, 3, 4): both operands are broadcast, in different dims
        GradCheck.Check(x => x[0] + x[1], new[] { R(1, 2, 1, 4), R(2, 3, 1) });
        GradCheck.Check(x => x[1] - x[0], new[] { R(3, 2, 1, 4), R(4, 3, 1) });
        GradCheck.Check(x => x[0] * x[1], new[] { R(5, 2, 1, 4), R(6, 3, 1) });
        GradCheck.Check(x => x[0] / (x[1] * x[1] + 1f), new[] { R(7, 2, 1, 4), R(8, 3, 1) });
        GradCheck.Check(x => (x[1] + 2f) / x[0], new[] { Away(9, 1, 4), R(10, 3, 1, 1) });
        // scalar-shaped and rank-0 operands
        GradCheck.Check(x => x[0] * x[1] - x[2], new[] { R(11, 3, 4), R(12, 1), Tensor.Scalar(0.7f) });
    }

    [Fact] public void BroadcastValuesBothDirections()
    {
        var a = Tensor.FromArray(new float[] { 1, 2 }, 2, 1);
        var b = Tensor.FromArray(new float[] { 10, 20, 30 }, 1, 3);
        Assert.Equal(new float[] { 9, 19, 29, 8, 18, 28 }, (b - a).ToArray());
        Assert.Equal(new float[] { -9, -19, -29, -8, -18, -28 }, (a - b).ToArray());
    }

    // ------------------------------------------------------------------ non-contiguous inputs per category

    [Fact] public void NonContiguousBinary()
        => GradCheck.Check(x => x[0].Transpose(0, 1) * x[1].Expand(4, 3) + x[2].Narrow(1, 1, 3) / (x[0].T.Pow(2f) + 1f),
            new[] { R(20, 3, 4), R(21, 1, 3), R(22, 4, 5) });

    [Fact] public void NonContiguousUnary()
    {
        GradCheck.Check(x =>
        {
            var t = x[0].Transpose(0, 1);                                            // (4, 3), strided
            return t.Exp() + t.Tanh() + t.Sigmoid() + (-t) + t.MulScalar(0.5f).AddScalar(1f)
                   + (t * t + 1f).Sqrt() + (t * t + 0.5f).Log() + (t * t + 0.5f).Pow(0.7f);
        }, new[] { R(23, 3, 4) });
        GradCheck.Check(x => x[0].Narrow(1, 1, 3).Relu() + x[0].Narrow(0, 1, 1).Expand(3, 1, 5).Sum(0).Narrow(1, 0, 3).Relu(),
            new[] { Away(24, 2, 5) });
        GradCheck.Check(x => x[0].T.Gelu() + x[0].Narrow(0, 1, 3).T.Gelu(true).Narrow(1, 0, 3).Sum(1, keepDim: true),
            new[] { R(25, 4, 3) });
    }

    [Fact] public void NonContiguousViewsAndReshape()
        => GradCheck.Check(x => x[0].Transpose(1, 2).Reshape(2, -1).Flatten().Narrow(0, 2, 10).View(2, 5)
                                + x[0].Permute(2, 0, 1).Contiguous().Select(1, -1).Narrow(1, 1, 2).Flatten().Narrow(0, 0, 5).Unsqueeze(0),
            new[] { R(26, 2, 3, 4) });

    [Fact] public void NonContiguousReductions()
    {
        GradCheck.Check(x => x[0].Permute(2, 0, 1).Sum(new[] { 0, 2 }), new[] { R(27, 2, 3, 4) });
        GradCheck.Check(x => x[0].Transpose(0, 2).Mean(new[] { 1, 2 }, keepDim: true), new[] { R(28, 2, 3, 4) });
        GradCheck.Check(x => x[0].T.Sum().Unsqueeze(0) + x[0].Narrow(1, 1, 2).Mean().Unsqueeze(0), new[] { R(29, 3, 4) });
        GradCheck.Check(x => x[0].Transpose(0, 1).Max(1).Values, new[] { R(30, 5, 3) });
    }

    [Fact] public void NonContiguousSoftmaxFamily()
        => GradCheck.Check(x => x[0].Transpose(1, 2).Softmax(-1).Transpose(1, 2) * 2f + x[0].Permute(2, 1, 0).LogSoftmax(1).Permute(2, 1, 0),
            new[] { R(31, 2, 3, 4) });

    [Fact] public void NonContiguousMatMul()
    {
        // narrowed rows/cols (leading dimension > cols), transposed and batch-expanded operands
        GradCheck.Check(x => x[0].Narrow(2, 1, 3).MatMul(x[1].Transpose(0, 1).Narrow(0, 0, 3)),
            new[] { R(32, 2, 4, 5), R(33, 4, 3) });
        GradCheck.Check(x => x[0].Transpose(1, 2).MatMul(x[1].Unsqueeze(0).Expand(2, 4, 3)),
            new[] { R(34, 2, 4, 3), R(35, 4, 3) });
        GradCheck.Check(x => x[0].Permute(1, 0, 2).MatMul(x[1].Permute(1, 0, 2), transB: true),
            new[] { R(36, 3, 2, 4), R(37, 5, 2, 4) });
    }

    [Fact] public void NonContiguousLinearLayerNormCrossEntropy()
    {
        GradCheck.Check(x => F.Linear(x[0].Narrow(1, 1, 3), x[1].T, x[2].Select(1, 1)),
            new[] { R(38, 2, 5, 4), R(39, 4, 6), R(40, 6, 2) });
        GradCheck.Check(x => F.LayerNorm(x[0].Transpose(0, 1), x[1].Narrow(0, 2, 6), x[2].Select(0, 1)),
            new[] { R(41, 6, 4), R(42, 9), R(43, 2, 6) });
        GradCheck.Check(x => F.LayerNorm(x[0].Narrow(1, 0, 4), null, null), new[] { R(44, 3, 6) });
        var tg = new IndexTensor(new[] { 2, 0, 4, 1 }, 4);
        GradCheck.Check(x => F.CrossEntropy(x[0].T, tg, ignoreIndex: 1, labelSmoothing: 0.2f), new[] { R(45, 5, 4) });
        GradCheck.Check(x => F.CrossEntropy(x[0].T, tg, reduction: Reduction.Sum), new[] { R(46, 5, 4) });
        GradCheck.Check(x => F.CrossEntropy(x[0].Transpose(0, 1), new IndexTensor(new[] { 1, 3, 0, 2, 2, 4 }, 3, 2), reduction: Reduction.None),
            new[] { R(47, 2, 3, 5) });
    }

    [Fact] public void NonContiguousEmbeddingGatherIndexSelect()
    {
        var ids = new IndexTensor(new[] { 1, 0, 3, 3 }, 2, 2);
        GradCheck.Check(x => F.Embedding(ids, x[0].T), new[] { R(48, 3, 5) });     // (no padding: its row is read but gets no gradient)
        GradCheck.Check(x => F.Gather(x[0].T, 1, new IndexTensor(new[] { 2, 0, 1, 1, 0, 2 }, 2, 3))
                             + F.IndexSelect(x[0].Narrow(1, 0, 2), 0, new IndexTensor(new[] { 2, 0 }, 2)).Narrow(1, 0, 2).Sum(1, keepDim: true),
            new[] { R(49, 3, 2) });
    }

    [Fact] public void NonContiguousStructure()
    {
        GradCheck.Check(x => F.Concat(new[] { x[0].T, x[1].Narrow(0, 1, 3) }, 1), new[] { R(50, 2, 3), R(51, 4, 4) });
        GradCheck.Check(x => F.Stack(new[] { x[0].T, x[1].Expand(3, 2) }, 0), new[] { R(52, 2, 3), R(53, 2) });
        GradCheck.Check(x =>
        {
            var parts = F.Split(x[0].Transpose(0, 1), new[] { 1, 3, 2 }, 0);        // (1,2), (3,2), (2,2)
            return parts[1] * parts[1].Sum(0, keepDim: true) + parts[0] - parts[2].Narrow(0, 1, 1) * 2f;
        }, new[] { R(54, 2, 6) });
        GradCheck.Check(x => F.Chunk(x[0].T, 3, 0)[2] + F.Chunk(x[0], 2, 1)[0].T.Narrow(0, 0, 1), new[] { R(55, 3, 7) });
    }

    [Fact] public void NonContiguousWhereMaskedFill()
    {
        var mask = Tensor.FromArray(new float[] { 1, 0, 0, 1, 0, 1, 1, 0 }, 2, 4);
        GradCheck.Check(x => F.Where(mask.T, x[0].T, x[1].Expand(4, 2)) + x[0].T.MaskedFill(mask.Narrow(0, 0, 1).T, 3f),
            new[] { R(56, 2, 4), R(57, 1, 2) });
        GradCheck.Check(x => F.Where(mask.Narrow(0, 1, 1), x[0], x[1]), new[] { R(58, 3, 4), R(59, 3, 1) });
    }

    [Fact] public void NonContiguousDropout()
    {
        // the same seed in every evaluation, so the finite differences see a fixed mask
        GradCheck.Check(x => F.Dropout(x[0].T, 0.4f, training: true, new Rng(3)) * x[0].T, new[] { R(60, 3, 5) });
    }

    // ------------------------------------------------------------------ reductions

    [Fact] public void SumMeanMultipleDimsKeepDim()
    {
        foreach (var keep in new[] { false, true })
        {
            GradCheck.Check(x => x[0].Sum(new[] { 0, 2 }, keep), new[] { R(61, 2, 3, 4, 2) });
            GradCheck.Check(x => x[0].Mean(new[] { -1, 1 }, keep), new[] { R(62, 2, 3, 4, 2) });
            GradCheck.Check(x => x[0].Sum(new[] { 0, 1, 2 }, keep), new[] { R(63, 2, 3, 4) });
        }
        var t = Tensor.Arange(24).Reshape(2, 3, 4);
        var s = t.Sum(new[] { 0, 2 }, keepDim: true);
        Assert.Equal(new[] { 1, 3, 1 }, s.Shape);
        Assert.Equal(new float[] { 0 + 1 + 2 + 3 + 12 + 13 + 14 + 15, 4 * 4 + 6 + 4 * 16 + 6, 8 * 4 + 6 + 20 * 4 + 6 }, s.ToArray());
        var m = t.Mean(new[] { 2, 0 });
        Assert.Equal(new[] { 3 }, m.Shape);
        Assert.Equal(new float[] { 7.5f, 11.5f, 15.5f }, m.ToArray());
        Assert.Equal(Array.Empty<int>(), t.Sum(new[] { 0, 1, 2 }).Shape);
        // an empty dim list reduces everything (PyTorch) and never turns the input into a non-leaf
        var leaf = R(80, 2, 3).RequiresGrad_();
        var all = leaf.Sum(Array.Empty<int>(), keepDim: true);
        Assert.Equal(new[] { 1, 1 }, all.Shape);
        Assert.True(leaf.IsLeaf);
        Assert.Equal(leaf.SumAsDouble() / 6, leaf.Mean(Array.Empty<int>()).Item(), 5);
    }

    [Fact]
    public void MaxTiesSendTheWholeGradientToTheReturnedIndex()
    {
        var x = Tensor.FromArray(new float[] { 1, 3, 3, 2, 2, 0 }, 2, 3).RequiresGrad_();
        var (v, idx) = x.Max(1);
        Assert.Equal(new float[] { 3, 2 }, v.ToArray());
        Assert.Equal(new[] { 1, 0 }, idx.Data);                                         // first occurrence wins
        (v * Tensor.FromArray(new float[] { 5, 7 }, 2)).Sum().Backward();
        Assert.Equal(new float[] { 0, 5, 0, 7, 0, 0 }, x.Grad!.ToArray());

        var y = Tensor.FromArray(new float[] { 4, 1, 4, 1 }, 2, 2).RequiresGrad_();
        var (v0, i0) = y.Max(0, keepDim: true);                                         // ties in both columns
        Assert.Equal(new[] { 1, 2 }, v0.Shape);
        Assert.Equal(new[] { 0, 0 }, i0.Data);
        v0.Sum().Backward();
        Assert.Equal(new float[] { 1, 1, 0, 0 }, y.Grad!.ToArray());
        Assert.Equal(new[] { 1, 0 }, Tensor.FromArray(new float[] { 0, 5, 5, 9, 9, 1 }, 2, 3).ArgMax(-1).Data);
    }

    [Fact]
    public void MaxPropagatesNaNAndTreatsSignedZerosAsTies()
    {
        var x = Tensor.FromArray(new float[] { -0f, 0f, -1f, 1f, float.NaN, 2f }, 2, 3);
        var (v, i) = x.Max(1);
        Assert.Equal(new[] { 0, 1 }, i.Data);
        Assert.True(float.IsNaN(v.ToArray()[1]));
        var (v0, i0) = x.Max(0);                                                         // strided path
        Assert.Equal(new[] { 1, 1, 1 }, i0.Data);
        Assert.True(float.IsNaN(v0.ToArray()[1]));
        Assert.Equal(new[] { 0 }, Tensor.FromArray(new float[] { 2, 2, 2 }, 3).ArgMax().Data);
    }

    [Fact]
    public void BackwardLeavesTheCallersGradientUntouched()
    {
        var x = R(81, 2, 3).RequiresGrad_();
        var h = x * 2f;
        var y = h.AddScalar(1f) + h.T.T + x.Transpose(0, 1).Transpose(0, 1).Reshape(2, 3);
        var r = R(82, 2, 3);
        var before = r.ToArray();
        y.Backward(r);
        Assert.Equal(before, r.ToArray());
        var rs = r.ToArray(); var g = x.Grad!.ToArray();
        for (int k = 0; k < g.Length; k++) Assert.Equal(5f * rs[k], g[k], 5);
    }

    // ------------------------------------------------------------------ softmax, masking

    [Fact] public void SoftmaxAlongNonLastDim()
    {
        GradCheck.Check(x => x[0].Softmax(0), new[] { R(64, 3, 4) });
        GradCheck.Check(x => x[0].Softmax(1) * x[0], new[] { R(65, 2, 3, 4) });
        var y = R(66, 2, 3, 4).Softmax(1);
        var sums = y.Sum(1).ToArray();
        Assert.All(sums, s => Assert.Equal(1f, s, 5));
    }

    [Fact]
    public void MaskedFillNegativeInfinityGivesZeroProbabilityAndGradient()
    {
        var x = R(67, 2, 3, 4).RequiresGrad_();
        var mask = Tensor.FromArray(new float[] { 0, 0, 1, 1 }, 1, 1, 4);                 // key padding: last two keys
        var p = x.MaskedFill(mask, float.NegativeInfinity).Softmax(-1);
        var pa = p.ToArray();
        for (int i = 0; i < pa.Length; i++)
        {
            if (i % 4 >= 2) Assert.Equal(0f, pa[i]);
            Assert.True(float.IsFinite(pa[i]));
        }
        (p * R(68, 2, 3, 4)).Sum().Backward();
        var g = x.Grad!.ToArray();
        Assert.All(g, v => Assert.True(float.IsFinite(v)));
        for (int i = 0; i < g.Length; i++) if (i % 4 >= 2) Assert.Equal(0f, g[i]);
        // and the finite-difference check on the unmasked entries (masked entries have zero gradient)
        GradCheck.Check(t => t[0].MaskedFill(mask, float.NegativeInfinity).Softmax(-1), new[] { R(69, 2, 3, 4) });
        // causal mask (upper triangle) through log-softmax as in a decoder
        var causal = Tensor.FromArray(new float[] { 0, 1, 1, 0, 0, 1, 0, 0, 0 }, 3, 3);
        GradCheck.Check(t => t[0].MaskedFill(causal, float.NegativeInfinity).Softmax(-1), new[] { R(70, 2, 3, 3) });
    }

    // ------------------------------------------------------------------ expand, split, dropout

    [Fact] public void ExpandGradients()
    {
        GradCheck.Check(x => x[0].Expand(2, 3, 4) * x[1], new[] { R(71, 3, 1), R(72, 2, 3, 4) });
        GradCheck.Check(x => x[0].Expand(4, 2, 3), new[] { R(73, 1, 3) });
        GradCheck.Check(x => x[0].Expand(-1, 5), new[] { R(74, 3, 1) });
        Assert.Equal(new[] { 2, 3, 5 }, R(75, 3, 1).Expand(2, -1, 5).Shape);
        Assert.Throws<ArgumentException>(() => R(76, 3, 2).Expand(3, 4));
    }

    [Fact] public void SplitGradientsAndViews()
    {
        GradCheck.Check(x =>
        {
            var p = F.Split(x[0], new[] { 2, 1, 3 }, 1);
            return F.Concat(new[] { p[2], p[0] * 3f }, 1);                            // p[1] unused: zero gradient there
        }, new[] { R(77, 2, 6) });
        var t = Tensor.Arange(12).Reshape(2, 6);
        var parts = F.Split(t, new[] { 4, 2 }, -1);
        Assert.Equal(new float[] { 0, 1, 2, 3, 6, 7, 8, 9 }, parts[0].ToArray());
        Assert.Same(t.Storage, parts[1].Storage);                                        // views, no copy
        Assert.Throws<ArgumentException>(() => F.Split(t, new[] { 4, 1 }, 1));
    }

    [Fact]
    public void DropoutIsDeterministicBySeedScalesKeptAndIsIdentityInEval()
    {
        var x = Tensor.Full(2f, 50, 40);
        var a = F.Dropout(x, 0.3f, training: true, new Rng(42)).ToArray();
        var b = F.Dropout(x, 0.3f, training: true, new Rng(42)).ToArray();
        var c = F.Dropout(x, 0.3f, training: true, new Rng(43)).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        float kept = 2f / (1f - 0.3f);
        int zeros = 0;
        foreach (var v in a)
        {
            if (v == 0f) zeros++;
            else Assert.Equal(kept, v, 6);
        }
        Assert.InRange(zeros / (double)a.Length, 0.25, 0.35);
        Assert.Same(x, F.Dropout(x, 0.3f, training: false, new Rng(1)));
        Assert.Same(x, F.Dropout(x, 0f, training: true, new Rng(1)));
        Assert.All(F.Dropout(x, 1f, training: true, new Rng(1)).ToArray(), v => Assert.Equal(0f, v));

        // the gradient uses the same mask as the forward pass
        var w = Tensor.Ones(200).RequiresGrad_();
        var y = F.Dropout(w, 0.5f, training: true, new Rng(5));
        y.Sum().Backward();
        Assert.Equal(y.ToArray(), w.Grad!.ToArray());
    }

    // ------------------------------------------------------------------ graph shapes

    [Fact]
    public void BackwardTwiceThroughSharedSubgraphAccumulates()
    {
        var x = Tensor.FromArray(new float[] { 0.5f, -1f, 2f }, 3).RequiresGrad_();
        var w = Tensor.FromArray(new float[] { 3f, 0.25f, -1f }, 3).RequiresGrad_();
        var h = x * w;                                                                   // shared intermediate
        var y1 = h.Sum();
        var y2 = (h * h).Sum();
        y1.Backward();
        y2.Backward();
        var xs = x.ToArray(); var ws = w.ToArray();
        var gx = x.Grad!.ToArray(); var gw = w.Grad!.ToArray();
        for (int i = 0; i < 3; i++)
        {
            float hi = xs[i] * ws[i];
            Assert.Equal(ws[i] + 2 * hi * ws[i], gx[i], 5);
            Assert.Equal(xs[i] + 2 * hi * xs[i], gw[i], 5);
        }
        // the same graph again: gradients add up, the tape is kept
        y1.Backward();
        for (int i = 0; i < 3; i++) Assert.Equal(2 * ws[i] + 2 * xs[i] * ws[i] * ws[i], x.Grad!.ToArray()[i], 5);
    }

    [Fact]
    public void DiamondGraphGradient()
    {
        // x -> h -> {u, v} -> u * v: h must receive both contributions before its own backward runs
        var xv = new float[] { 0.3f, -0.7f, 1.1f, 0.05f };
        var x = Tensor.FromArray(xv, 4).RequiresGrad_();
        var h = x.Tanh();
        var u = h * 3f;
        var v = h.Sigmoid();
        (u * v + h).Sum().Backward();
        var g = x.Grad!.ToArray();
        for (int i = 0; i < 4; i++)
        {
            double th = Math.Tanh(xv[i]), s = 1 / (1 + Math.Exp(-th));
            double dh = 3 * s + 3 * th * s * (1 - s) + 1;
            Assert.Equal(dh * (1 - th * th), g[i], 5);
        }
        GradCheck.Check(t => { var a = t[0].Exp(); var b = a * t[0]; var c = a.Sqrt(); return b * c + a; }, new[] { R(78, 3, 2) });
        // x used by two branches of one expression (x * x and a view of x)
        GradCheck.Check(t => t[0] * t[0] + t[0].T.T.Narrow(0, 0, 2).Sum(0, keepDim: true), new[] { R(79, 3, 2) });
    }
}
