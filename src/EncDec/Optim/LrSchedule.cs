using System.Text.Json.Serialization;

namespace EncDec.Optim;

/// <summary>Learning-rate schedule families.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LrScheduleKind>))]
public enum LrScheduleKind
{
    /// <summary>Always <c>Lr</c>.</summary>
    Constant,
    /// <summary><c>Lr · Gamma^⌊(step-1)/StepSize⌋</c> (PyTorch StepLR).</summary>
    Step,
    /// <summary>Transformer paper ("Noam"): <c>Scale · DModel^-0.5 · min(step^-0.5, step · Warmup^-1.5)</c>.</summary>
    Noam,
    /// <summary>fairseq inverse_sqrt: linear warm-up from <c>WarmupInitLr</c> to the peak <c>Lr</c>, then <c>Lr · sqrt(Warmup/step)</c>.</summary>
    InverseSqrt,
    /// <summary>Linear warm-up to <c>Lr</c>, then half-cosine decay to <c>MinLr</c> at <c>TotalSteps</c>.</summary>
    Cosine,
    /// <summary>Linear warm-up to <c>Lr</c>, then linear decay to <c>MinLr</c> at <c>TotalSteps</c>.</summary>
    Linear,
}

/// <summary>Settings for <see cref="LrSchedule.Create"/>; each kind uses the fields its doc names.</summary>
public sealed record LrScheduleConfig(
    LrScheduleKind Kind,
    double Lr = 1e-3,
    long WarmupSteps = 0,
    long TotalSteps = 0,
    long StepSize = 1,
    double Gamma = 0.1,
    double MinLr = 0,
    int DModel = 512,
    double Scale = 1,
    double WarmupInitLr = 0);

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

public sealed class ConstantSchedule(double lr) : LrSchedule
{
    public override double LrAt(long step) => lr;
}

public sealed class StepSchedule : LrSchedule
{
    private readonly double _lr, _gamma;
    private readonly long _stepSize;
    public StepSchedule(double lr, long stepSize, double gamma)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), "step size must be positive");
        (_lr, _stepSize, _gamma) = (lr, stepSize, gamma);
    }
    public override double LrAt(long step) => _lr * Math.Pow(_gamma, Math.Max(step - 1, 0) / _stepSize);
}

public sealed class NoamSchedule : LrSchedule
{
    private readonly double _factor;
    private readonly long _warmup;
    public NoamSchedule(int dModel, long warmup, double scale = 1)
    {
        if (dModel <= 0) throw new ArgumentOutOfRangeException(nameof(dModel));
        if (warmup <= 0) throw new ArgumentOutOfRangeException(nameof(warmup), "the Noam schedule needs warm-up steps");
        (_factor, _warmup) = (scale / Math.Sqrt(dModel), warmup);
    }
    public override double LrAt(long step)
    {
        if (step <= 0) return 0;
        return _factor * Math.Min(1 / Math.Sqrt(step), step * Math.Pow(_warmup, -1.5));
    }
}

public sealed class InverseSqrtSchedule(double peakLr, long warmup, double warmupInitLr = 0) : LrSchedule
{
    public override double LrAt(long step)
    {
        if (step < warmup) return warmupInitLr + Math.Max(step, 0) * (peakLr - warmupInitLr) / warmup;
        return peakLr * Math.Sqrt(Math.Max(warmup, 1)) / Math.Sqrt(Math.Max(step, 1));
    }
}

public sealed class CosineSchedule(double peakLr, long warmup, long totalSteps, double minLr = 0) : LrSchedule
{
    public override double LrAt(long step)
    {
        if (step < warmup) return peakLr * Math.Max(step, 0) / warmup;
        double p = Progress(step, warmup, totalSteps);
        return minLr + (peakLr - minLr) * 0.5 * (1 + Math.Cos(Math.PI * p));
    }
}

public sealed class LinearSchedule(double peakLr, long warmup, long totalSteps, double minLr = 0) : LrSchedule
{
    public override double LrAt(long step)
    {
        if (step < warmup) return peakLr * Math.Max(step, 0) / warmup;
        return peakLr + (minLr - peakLr) * Progress(step, warmup, totalSteps);
    }
}

/// <summary>
/// Applies a schedule to an optimizer: call <see cref="Update"/> right before each <see cref="Optimizer.Step"/>.
/// The step number comes from the optimizer's own counter, so a restored optimizer resumes the schedule too.
/// </summary>
public sealed class Scheduler(Optimizer optimizer, LrSchedule schedule)
{
    public Optimizer Optimizer { get; } = optimizer;
    public LrSchedule Schedule { get; } = schedule;

    /// <summary>Sets the optimizer's lr for the coming update (number <c>StepCount + 1</c>) and returns it.</summary>
    public double Update()
    {
        double lr = Schedule.LrAt(Optimizer.StepCount + 1);
        Optimizer.Lr = lr;
        return lr;
    }
}
