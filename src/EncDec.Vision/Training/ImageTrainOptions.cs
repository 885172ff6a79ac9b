namespace EncDec.Vision.Training;

/// <summary>Settings of an image-to-sequence training run (Adam, linear warm-up then cosine decay to 5%).</summary>
public sealed record ImageTrainOptions
{
    public int Steps { get; init; } = 1500;
    public int BatchSize { get; init; } = 32;
    public double Lr { get; init; } = 2e-3;
    public int Warmup { get; init; } = 100;
    public double ClipNorm { get; init; } = 1.0;
    public float LabelSmoothing { get; init; }
    /// <summary>Stop early after this many minutes (0 = no limit).</summary>
    public double MaxMinutes { get; init; }
}
