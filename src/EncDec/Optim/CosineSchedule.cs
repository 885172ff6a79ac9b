namespace EncDec.Optim;

public sealed class CosineSchedule(double peakLr, long warmup, long totalSteps, double minLr = 0) : LrSchedule
{
    public override double LrAt(long step)
    {
        if (step < warmup) return peakLr * Math.Max(step, 0) / warmup;
        double p = Progress(step, warmup, totalSteps);
        return minLr + (peakLr - minLr) * 0.5 * (1 + Math.Cos(Math.PI * p));
    }
}
