namespace EncDec.Optim;

public sealed class LinearSchedule(double peakLr, long warmup, long totalSteps, double minLr = 0) : LrSchedule
{
    public override double LrAt(long step)
    {
        if (step < warmup) return peakLr * Math.Max(step, 0) / warmup;
        return peakLr + (minLr - peakLr) * Progress(step, warmup, totalSteps);
    }
}
