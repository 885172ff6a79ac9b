using EncDec.Optim;
using Xunit;

namespace EncDec.Tests.Optim;

public class LrScheduleTests
{
    private static double At(LrScheduleConfig c, long step) => LrSchedule.Create(c).LrAt(step);

    [Fact]
    public void Constant() => Assert.Equal(0.3, At(new(LrScheduleKind.Constant, Lr: 0.3), 12345));

    [Fact]
    public void StepDecay()
    {
        var c = new LrScheduleConfig(LrScheduleKind.Step, Lr: 1.0, StepSize: 3, Gamma: 0.5);
        Assert.Equal(1.0, At(c, 1)); Assert.Equal(1.0, At(c, 3));
        Assert.Equal(0.5, At(c, 4)); Assert.Equal(0.25, At(c, 7)); Assert.Equal(0.125, At(c, 10));
    }

    [Fact]
    public void Noam()
    {
        // d_model 512, warm-up 4000: peak at step 4000 = 512^-0.5 · 4000^-0.5 = 1/sqrt(2048000)
        var c = new LrScheduleConfig(LrScheduleKind.Noam, DModel: 512, WarmupSteps: 4000);
        Assert.Equal(0.0, At(c, 0));
        Assert.Equal(1 / Math.Sqrt(512) * 1 * Math.Pow(4000, -1.5), At(c, 1), 15);
        Assert.Equal(1 / Math.Sqrt(2048000.0), At(c, 4000), 15);
        Assert.Equal(1 / Math.Sqrt(512.0 * 16000), At(c, 16000), 15);   // = 0.5 · peak
        Assert.Equal(2 / Math.Sqrt(512.0 * 16000), At(c with { Scale = 2 }, 16000), 15);
    }

    [Fact]
    public void InverseSqrtFairseq()
    {
        var c = new LrScheduleConfig(LrScheduleKind.InverseSqrt, Lr: 5e-4, WarmupSteps: 4000, WarmupInitLr: 1e-7);
        Assert.Equal(1e-7, At(c, 0), 15);
        Assert.Equal(1e-7 + 2000 * (5e-4 - 1e-7) / 4000, At(c, 2000), 15);
        Assert.Equal(5e-4, At(c, 4000), 15);
        Assert.Equal(2.5e-4, At(c, 16000), 15);
    }

    [Fact]
    public void CosineWithWarmup()
    {
        var c = new LrScheduleConfig(LrScheduleKind.Cosine, Lr: 1.0, WarmupSteps: 10, TotalSteps: 110, MinLr: 0.1);
        Assert.Equal(0.5, At(c, 5), 15);
        Assert.Equal(1.0, At(c, 10), 15);
        Assert.Equal(0.1 + 0.9 * 0.5, At(c, 60), 15);                               // half way: cos(π/2) = 0
        Assert.Equal(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI / 4)), At(c, 35), 15); // quarter
        Assert.Equal(0.1, At(c, 110), 15);
        Assert.Equal(0.1, At(c, 500), 15);
    }

    [Fact]
    public void LinearWarmupDecay()
    {
        var c = new LrScheduleConfig(LrScheduleKind.Linear, Lr: 2.0, WarmupSteps: 4, TotalSteps: 14);
        Assert.Equal(0.5, At(c, 1), 15);
        Assert.Equal(2.0, At(c, 4), 15);
        Assert.Equal(1.0, At(c, 9), 15);
        Assert.Equal(0.0, At(c, 14), 15);
        Assert.Equal(0.0, At(c, 20), 15);
    }

    [Fact]
    public void SchedulerUsesOptimizerStepCount()
    {
        var p = EncDec.Tensors.Tensor.FromArray(new[] { 1f });
        var opt = new Sgd(new[] { ("p", p) }, new OptimizerOptions(OptimizerKind.Sgd, 1.0));
        var s = new Scheduler(opt, LrSchedule.Create(new(LrScheduleKind.Step, Lr: 1.0, StepSize: 1, Gamma: 0.5)));
        Assert.Equal(1.0, s.Update());
        opt.Step();
        Assert.Equal(0.5, s.Update());
        Assert.Equal(0.5, opt.Lr);
    }
}
