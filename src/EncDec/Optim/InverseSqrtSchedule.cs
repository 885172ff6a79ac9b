namespace EncDec.Optim;

public sealed class InverseSqrtSchedule(double peakLr, long warmup, double warmupInitLr = 0) : LrSchedule
{
    public override double LrAt(long step)
    {
        if (step < warmup) return warmupInitLr + Math.Max(step, 0) * (peakLr - warmupInitLr) / warmup;
        return peakLr * Math.Sqrt(Math.Max(warmup, 1)) / Math.Sqrt(Math.Max(step, 1));
    }
}
