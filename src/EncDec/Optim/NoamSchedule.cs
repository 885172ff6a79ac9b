namespace EncDec.Optim;

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
