namespace EncDec.Training;

/// <summary>Length, peak learning rate, warm-up, clipping and time limit of a <see cref="SupervisedLoop"/> run.</summary>
public readonly record struct LoopSchedule(int Steps, double Lr, int Warmup, double ClipNorm, double MaxMinutes)
{
    /// <summary>
    /// Warm-up to the peak, then cosine decay to 5% of it at the end of the run: the last step, or the time limit when
    /// <paramref name="timeFraction"/> (elapsed / limit) is further along, so a run cut short by time still anneals.
    /// </summary>
    public double LearningRate(int step, double timeFraction = 0)
    {
        if (step < Warmup) return Lr * (step + 1) / Warmup;
        double t = Math.Max((double)(step - Warmup) / Math.Max(1, Steps - Warmup), timeFraction);
        return Lr * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, t))));
    }
}
