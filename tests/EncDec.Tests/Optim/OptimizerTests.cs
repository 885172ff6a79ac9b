using EncDec.Optim;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Optim;

public class OptimizerTests
{
    private static Tensor P(params float[] v) { using (TensorScope.Suspend()) return Tensor.FromArray(v).RequiresGrad_(); }

    private static void SetGrad(Tensor p, params float[] g) { using (TensorScope.Suspend()) p.Grad = Tensor.FromArray(g); }

    [Fact]
    public void SgdHandComputedMomentumFirstStepCopiesGradient()
    {
        var p = P(1f, 2f);
        var opt = new Sgd(new[] { ("p", p) }, new OptimizerOptions(OptimizerKind.Sgd, 0.1, Momentum: 0.9, Dampening: 0.5));
        SetGrad(p, 1f, -1f);
        opt.Step(); // buf = g (no dampening on the first step)
        Assert.Equal(new[] { 0.9f, 2.1f }, p.ToArray());
        opt.Step(); // buf = 0.9·g + 0.5·g = 1.4·g
        Assert.Equal(0.9f - 0.1f * 1.4f, p.ToArray()[0], 6);
    }

    [Fact]
    public void AdamFirstStepMovesByLr()
    {
        // With bias correction the first Adam step is lr · g/|g| (up to eps).
        var p = P(1f, -1f, 0.5f);
        var opt = new Adam(new[] { ("p", p) }, new OptimizerOptions(OptimizerKind.Adam, 0.01));
        SetGrad(p, 3f, -0.2f, 0f);
        opt.Step();
        var v = p.ToArray();
        Assert.Equal(0.99f, v[0], 5);
        Assert.Equal(-0.99f, v[1], 5);
        Assert.Equal(0.5f, v[2]);
    }

    [Fact]
    public void AdamWDecaysWithoutGradientContribution()
    {
        var p = P(2f);
        var opt = new AdamW(new[] { ("p", p) }, new OptimizerOptions(OptimizerKind.AdamW, 0.1, WeightDecay: 0.5));
        SetGrad(p, 0f);
        opt.Step();
        Assert.Equal(2f * (1 - 0.1f * 0.5f), p.ToArray()[0], 6);
    }

    [Fact]
    public void StepCreatesPersistentStateInsideScope()
    {
        var p = P(1f, 2f);
        var opt = new Adam(new[] { ("p", p) }, new OptimizerOptions(OptimizerKind.Adam, 0.01));
        using (var scope = TensorScope.Begin())
        {
            SetGrad(p, 1f, 1f);
            opt.Step();
        }
        SetGrad(p, 1f, 1f);
        opt.Step(); // would throw if the state had been released with the scope
        Assert.Equal(2, opt.StateDict().State["p"].Step);
    }

    [Fact]
    public void LrSetterScalesGroups()
    {
        var a = P(1f); var b = P(1f);
        var opt = new Sgd(new[] { new ParamGroup(new[] { ("a", a) }), new ParamGroup(new[] { ("b", b) }, lrScale: 0.1, weightDecay: 0.3) },
            new OptimizerOptions(OptimizerKind.Sgd, 1.0, WeightDecay: 0.01));
        opt.Lr = 0.5;
        Assert.Equal(0.5, opt.Groups[0].Lr);
        Assert.Equal(0.05, opt.Groups[1].Lr, 15);
        Assert.Equal(0.01, opt.Groups[0].WeightDecay);
        Assert.Equal(0.3, opt.Groups[1].WeightDecay);
    }

    [Fact]
    public void LoadStateDictRejectsMismatches()
    {
        var p = P(1f, 2f);
        var opt = new Adam(new[] { ("p", p) }, new OptimizerOptions(OptimizerKind.Adam, 0.01));
        SetGrad(p, 1f, 1f);
        opt.Step();
        var sd = opt.StateDict();
        var sgd = new Sgd(new[] { ("p", P(1f, 2f)) }, new OptimizerOptions(OptimizerKind.Sgd, 0.1));
        Assert.Contains("Adam", Assert.Throws<ArgumentException>(() => sgd.LoadStateDict(sd)).Message);
        var other = new Adam(new[] { ("q", P(1f, 2f)) }, new OptimizerOptions(OptimizerKind.Adam, 0.01));
        Assert.Contains("[q]", Assert.Throws<ArgumentException>(() => other.LoadStateDict(sd)).Message);
        var wrongShape = new Adam(new[] { ("p", P(1f, 2f, 3f)) }, new OptimizerOptions(OptimizerKind.Adam, 0.01));
        Assert.Contains("p.exp_avg", Assert.Throws<ArgumentException>(() => wrongShape.LoadStateDict(sd)).Message);
    }

    [Fact]
    public void ClipGradNormScalesOnlyAboveMax()
    {
        var a = P(0f, 0f); var b = P(0f);
        SetGrad(a, 3f, 0f); SetGrad(b, 4f);
        double n = GradClip.ClipGradNorm(new[] { a, b, P(1f) /* no grad */ }, 10);
        Assert.Equal(5.0, n, 6);
        Assert.Equal(new[] { 3f, 0f }, a.Grad!.ToArray());
        n = GradClip.ClipGradNorm(new[] { a, b }, 1);
        Assert.Equal(5.0, n, 6);
        Assert.Equal(0.6f, a.Grad!.ToArray()[0], 5);
        Assert.Equal(0.8f, b.Grad!.ToArray()[0], 5);
    }

    [Fact]
    public void ClipGradNormReportsNonFiniteWithoutScaling()
    {
        var a = P(0f, 0f);
        SetGrad(a, float.PositiveInfinity, 1f);
        Assert.False(double.IsFinite(GradClip.ClipGradNorm(new[] { a }, 1)));
        Assert.Equal(1f, a.Grad!.ToArray()[1]);
        SetGrad(a, float.NaN, 1f);
        Assert.True(double.IsNaN(GradClip.ClipGradNorm(new[] { a }, 1)));
    }
}
