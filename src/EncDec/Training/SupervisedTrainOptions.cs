namespace EncDec.Training;

/// <summary>
/// What every <see cref="SupervisedLoop"/> task trainer (image-to-sequence, dual encoder, segmentation, speech) is given:
/// steps, batch size, Adam's peak learning rate with its linear warm-up and cosine decay to 5% (<see cref="Schedule"/>),
/// gradient clipping, label smoothing and a time limit. Each task's options derive from it with their own defaults and extras.
/// </summary>
public abstract record SupervisedTrainOptions
{
    public int Steps { get; init; } = 1500;
    public int BatchSize { get; init; } = 32;
    public double Lr { get; init; } = 2e-3;
    public int Warmup { get; init; } = 100;
    public double ClipNorm { get; init; } = 1.0;
    public float LabelSmoothing { get; init; }
    /// <summary>Stop early after this many minutes (0 = no limit).</summary>
    public double MaxMinutes { get; init; }

    /// <summary>The loop schedule of these options.</summary>
    public LoopSchedule Schedule => new(Steps, Lr, Warmup, ClipNorm, MaxMinutes);
}
