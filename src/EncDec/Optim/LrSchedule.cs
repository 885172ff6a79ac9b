namespace EncDec.Optim;

/// <summary>
/// A learning rate as a pure function of the 1-based update number: <c>LrAt(1)</c> is the rate of the first
/// optimizer step (PyTorch's LambdaLR epoch <c>e</c> corresponds to step <c>e+1</c>).
/// </summary>
public abstract class LrSchedule
{
    public abstract double LrAt(long step);

    public static LrSchedule Create(LrScheduleConfig c)
    {
        if (c.WarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(c), "warm-up steps must be >= 0");
        return c.Kind switch
        {
            LrScheduleKind.Constant => new ConstantSchedule(c.Lr),
            LrScheduleKind.Step => new StepSchedule(c.Lr, c.StepSize, c.Gamma),
            LrScheduleKind.Noam => new NoamSchedule(c.DModel, c.WarmupSteps, c.Scale),
            LrScheduleKind.InverseSqrt => new InverseSqrtSchedule(c.Lr, c.WarmupSteps, c.WarmupInitLr),
            LrScheduleKind.Cosine => new CosineSchedule(c.Lr, c.WarmupSteps, c.TotalSteps, c.MinLr),
            LrScheduleKind.Linear => new LinearSchedule(c.Lr, c.WarmupSteps, c.TotalSteps, c.MinLr),
            _ => throw new ArgumentOutOfRangeException(nameof(c), $"unknown schedule {c.Kind}"),
        };
    }

    /// <summary>Fraction of the decay phase done at <paramref name="step"/>, clamped to [0, 1].</summary>
    private protected static double Progress(long step, long warmup, long total)
    {
        long span = total - warmup;
        if (span <= 0) return 1;
        return Math.Clamp((double)(step - warmup) / span, 0, 1);
    }
}
