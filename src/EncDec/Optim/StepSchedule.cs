namespace EncDec.Optim;

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
