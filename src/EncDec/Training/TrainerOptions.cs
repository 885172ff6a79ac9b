using EncDec.Optim;

namespace EncDec.Training;

/// <summary>Everything that controls a training run (immutable; stored in the run folder).</summary>
public sealed record TrainerOptions
{
    public long MaxSteps { get; init; } = 1000;
    /// <summary>Stop after this much wall time (checked between steps); null = no limit.</summary>
    public double? MaxMinutes { get; init; }
    public OptimizerOptions Optimizer { get; init; } = new(OptimizerKind.Adam, 1e-3, Beta2: 0.98);
    public LrScheduleConfig Schedule { get; init; } = new(LrScheduleKind.Constant, 1e-3);
    /// <summary>Batches whose gradients are summed before one optimizer step.</summary>
    public int GradAccumulation { get; init; } = 1;
    /// <summary>Global-norm gradient clipping; 0 disables.</summary>
    public double ClipNorm { get; init; } = 1.0;
    public float LabelSmoothing { get; init; } = 0.1f;
    public ScheduledSamplingOptions ScheduledSampling { get; init; } = new();
    /// <summary>Validate every N optimizer steps (0 = only at the end).</summary>
    public int ValidEvery { get; init; } = 200;
    /// <summary>Also decode the validation set (greedy) for BLEU and exact match.</summary>
    public bool ValidDecode { get; init; } = true;
    /// <summary>At most this many validation examples are decoded (int.MaxValue = all).</summary>
    public int ValidDecodeLimit { get; init; } = 500;
    public int ValidMaxLength { get; init; } = 128;
    public ValidationMetric BestMetric { get; init; } = ValidationMetric.Loss;
    /// <summary>Stop when the best metric has not improved for this many validations (0 = never).</summary>
    public int EarlyStoppingPatience { get; init; }
    /// <summary>Save a checkpoint every N steps (0 = only at the end and on best).</summary>
    public int CheckpointEvery { get; init; } = 500;
    public int KeepLastCheckpoints { get; init; } = 3;
    public int LogEvery { get; init; } = 50;
    /// <summary>This many skipped steps (non-finite loss or gradient) in a row stop training as diverged (0 = never).</summary>
    public int MaxSkippedStepsInARow { get; init; } = 20;
    /// <summary>How many of the latest step losses a checkpoint keeps, so that its metadata stays small however long the run
    /// (a resumed run's <see cref="TrainResult.Losses"/> then starts with these).</summary>
    public int StoredLosses { get; init; } = 1000;
    public ulong Seed { get; init; } = 1234;
}
