namespace EncDec.Optim;

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
