using EncDec.Autograd;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Autograd;

public class CoreOpsTests
{
    private static Tensor R(int seed, params int[] shape) => GradCheck.Rand(seed, shape);

    [Fact]
    public void BroadcastAddHasKnownValues()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.FromArray(new float[] { 10, 20, 30 }, 3);
        Assert.Equal(new float[] { 11, 22, 33, 14, 25, 36 }, (a + b).ToArray());
        var c = Tensor.FromArray(new float[] { 100, 200 }, 2, 1);
        Assert.Equal(new float[] { 101, 102, 103, 204, 205, 206 }, (a + c).ToArray());
    }

    [Fact]
    public void MatMulMatchesHandComputed()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.FromArray(new float[] { 7, 8, 9, 10, 11, 12 }, 3, 2);
        Assert.Equal(new float[] { 58, 64, 139, 154 }, a.MatMul(b).ToArray());
        // Aᵀ·Aᵀᵀ without copies: (3,2)·(2,3)
        Assert.Equal(new float[] { 17, 22, 27, 22, 29, 36, 27, 36, 45 }, a.MatMul(a, transA: true).ToArray());
    }

    [Fact] public void GradBinaryBroadcast() => GradCheck.Check(x => (x[0] * x[1] + x[1]) / (x[2].Exp() + 1f), new[] { R(1, 2, 3, 4), R(2, 3, 1), R(3, 4) });
    [Fact] public void GradSubNonContiguous() => GradCheck.Check(x => x[0].Transpose(0, 1) - x[1], new[] { R(4, 3, 5), R(5, 5, 3) });
    [Fact] public void GradUnary() => GradCheck.Check(x => x[0].Tanh() + x[0].Sigmoid() * x[0] + (x[0] * x[0] + 1f).Sqrt().Log() + (x[0] * x[0] + 0.5f).Pow(1.5f), new[] { R(5, 4, 6) });
    [Fact] public void GradRelu() => GradCheck.Check(x => x[0].Relu(), new[] { Tensor.FromArray(new float[] { -0.9f, -0.5f, 0.3f, 0.7f, -0.2f, 1.1f }, 2, 3) });
    [Fact] public void GradGelu() { GradCheck.Check(x => x[0].Gelu(), new[] { R(6, 5, 7) }); GradCheck.Check(x => x[0].Gelu(true), new[] { R(6, 5, 7) }); }
    [Fact] public void GradSoftmaxFamily() => GradCheck.Check(x => x[0].Softmax(-1) + x[0].LogSoftmax(1) * 0.3f, new[] { R(7, 2, 3, 5) });
    [Fact] public void GradReductions() => GradCheck.Check(x => x[0].Sum(1, keepDim: true) * x[0].Mean(new[] { 0, 2 }, keepDim: true) + x[0].Max(2).Values.Unsqueeze(2), new[] { R(8, 3, 4, 5) });
    [Fact] public void GradMatMulBatchedAndTransposed() => GradCheck.Check(x => x[0].MatMul(x[1], transB: true).MatMul(x[2]), new[] { R(9, 2, 3, 4), R(10, 2, 5, 4), R(11, 5, 2) });
    [Fact] public void GradMatMulBroadcastBatch() => GradCheck.Check(x => x[0].MatMul(x[1]), new[] { R(12, 2, 1, 3, 4), R(13, 3, 4, 2) });
    [Fact] public void GradViews() => GradCheck.Check(x => x[0].Permute(2, 0, 1).Reshape(4, -1).Narrow(1, 1, 3).Unsqueeze(0).Squeeze(0).Select(0, 2), new[] { R(14, 2, 3, 4) });
    [Fact] public void GradLinear() => GradCheck.Check(x => F.Linear(x[0], x[1], x[2]), new[] { R(15, 2, 3, 4), R(16, 5, 4), R(17, 5) });
    [Fact] public void GradLinearNonContiguousInput() => GradCheck.Check(x => F.Linear(x[0].Transpose(0, 1), x[1]), new[] { R(18, 4, 3), R(19, 2, 4) });
    [Fact] public void GradLayerNorm() => GradCheck.Check(x => F.LayerNorm(x[0], x[1], x[2]), new[] { R(20, 3, 6), R(21, 6), R(22, 6) });
    [Fact] public void GradCrossEntropyLabelSmoothingIgnoreIndex()
        => GradCheck.Check(x => F.CrossEntropy(x[0], new IndexTensor(new[] { 1, 0, 3, 2 }, 4), ignoreIndex: 0, labelSmoothing: 0.1f), new[] { R(23, 4, 5) });
    [Fact] public void GradEmbeddingWithPadding()
    {
        var ids = new IndexTensor(new[] { 1, 0, 1, 4, 2, 0 }, 2, 3);
        GradCheck.Check(x => F.Embedding(ids, x[0]), new[] { R(24, 5, 3) });
        var w = R(24, 5, 3).RequiresGrad_();
        F.Embedding(ids, w, paddingIdx: 0).Sum().Backward();
        // padding row 0 gets no gradient; row 1 appears twice, rows 2 and 4 once, row 3 never
        Assert.Equal(new float[] { 0, 0, 0, 2, 2, 2, 1, 1, 1, 0, 0, 0, 1, 1, 1 }, w.Grad!.ToArray());
    }
    [Fact] public void GradConcatStackSplit()
        => GradCheck.Check(x => F.Concat(new[] { x[0], x[1] }, 1) * F.Stack(F.Chunk(x[2], 2, 1), 1).Sum(1),
            new[] { R(25, 2, 2, 3), R(26, 2, 3, 3), R(27, 2, 10, 3) });
    [Fact] public void GradGatherIndexSelectWhereMaskedFill()
    {
        var mask = Tensor.FromArray(new float[] { 1, 0, 0, 1, 0, 1 }, 2, 3);
        GradCheck.Check(x => F.Gather(x[0], 1, new IndexTensor(new[] { 2, 0, 2, 1, 1, 0 }, 2, 3))
                              + F.IndexSelect(x[0], 1, new IndexTensor(new[] { 3, 3, 0 }, 3))
                              + F.Where(mask, x[1], x[0].Narrow(1, 0, 3)) + x[1].MaskedFill(mask, -5f),
            new[] { R(28, 2, 4), R(29, 2, 3) });
    }

    [Fact]
    public void CrossEntropyValueMatchesComposedFormula()
    {
        var logits = R(30, 4, 5);
        var tg = new IndexTensor(new[] { 1, 0, 3, 2 }, 4);
        float fused = F.CrossEntropy(logits, tg, ignoreIndex: 0, labelSmoothing: 0.1f).Item();
        var lp = logits.LogSoftmax(-1).ToArray();
        double tot = 0; int n = 0;
        for (int r = 0; r < 4; r++)
        {
            if (tg.Data[r] == 0) continue;
            n++;
            double nll = -lp[r * 5 + tg.Data[r]], smooth = 0;
            for (int c = 0; c < 5; c++) smooth -= lp[r * 5 + c] / 5.0;
            tot += 0.9 * nll + 0.1 * smooth;
        }
        Assert.Equal(tot / n, fused, 5);
    }

    [Fact]
    public void NoGradRecordsNothingAndGradAccumulates()
    {
        var w = R(31, 3).RequiresGrad_();
        using (GradMode.NoGrad()) Assert.False((w * w).RequiresGrad);
        (w * 2f).Sum().Backward();
        (w * 3f).Sum().Backward();
        Assert.Equal(new float[] { 5, 5, 5 }, w.Grad!.ToArray());
        w.ZeroGrad();
        Assert.Null(w.Grad);
    }

    [Fact]
    public void ErfMatchesKnownValues()
    {
        Assert.Equal(0.8427007929497149, Kernels.Erf(1.0), 12);
        Assert.Equal(0.3286267594591112, Kernels.Erf(0.3), 12);
        Assert.Equal(0.004677734981047266, Kernels.Erfc(2.0), 14);
        Assert.Equal(1.5374597944280349e-12, Kernels.Erfc(5.0), 1e-24);
    }

    [Fact]
    public void ScopeReturnsTemporariesButKeepsRequested()
    {
        Tensor kept, dropped;
        using (var s = TensorScope.Begin())
        {
            dropped = Tensor.Ones(4);
            kept = s.Keep(Tensor.Ones(4) * 2f);
        }
        Assert.Equal(8f, kept.Sum().Item());
        Assert.Throws<ObjectDisposedException>(() => dropped.Sum());
    }
}
