using EncDec.Optim;

namespace EncDec.Training;

/// <summary>
/// A validation number: the one that decides "best" and early stopping (<see cref="TrainerOptions.BestMetric"/>), and the
/// scores of decoded text a pipeline computes (BLEU and chrF as sacreBLEU and <c>encdec eval</c>, exact match).
/// </summary>
public enum ValidationMetric { Loss, Bleu, ExactMatch, ChrF }

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

/// <summary>One optimizer step's numbers, reported to progress callbacks and the metrics log.</summary>
/// <param name="TokensPerSecond">Target tokens per second since the last log step.</param>
/// <param name="Epoch">0-based epoch of the step's last batch.</param>
public sealed record StepInfo(long Step, double Loss, double Lr, double GradNorm, double TokensPerSecond, int TargetTokens,
                              double GoldProbability, double FedPredictionFraction, bool Skipped, double ElapsedSeconds, int Epoch = 0);

/// <summary>One validation's numbers (BLEU and chrF on the 0–100 scale, exact match a fraction).</summary>
public sealed record ValidationInfo(long Step, double Loss, double Perplexity, double? Bleu, double? ExactMatch, bool IsBest, double? ChrF = null)
{
    /// <summary>The value of <paramref name="metric"/> with lower = better (loss as is, BLEU and exact match negated).</summary>
    public double Score(ValidationMetric metric) => metric switch
    {
        ValidationMetric.Bleu => -(Bleu ?? 0),
        ValidationMetric.ExactMatch => -(ExactMatch ?? 0),
        ValidationMetric.ChrF => -(ChrF ?? 0),
        _ => Loss,
    };
}

/// <summary>What a validation scorer computed from the decoded hypotheses and their references (null: not asked for).</summary>
public sealed record ValidationScores(double? Bleu, double? ChrF, double? ExactMatch);

/// <summary>How a run ended.</summary>
public enum StopReason
{
    MaxSteps, MaxMinutes, EarlyStopping, Cancelled,
    /// <summary>The weights became non-finite after an update, or <see cref="TrainerOptions.MaxSkippedStepsInARow"/> steps
    /// in a row were skipped: training stopped without writing a checkpoint of the diverged weights
    /// (<see cref="TrainResult.Detail"/> says which).</summary>
    Diverged,
}

/// <summary>Summary of a finished run.</summary>
public sealed record TrainResult(long Steps, StopReason Reason, IReadOnlyList<double> Losses, ValidationInfo? LastValidation,
                                 ValidationInfo? BestValidation, int SkippedSteps, string? LastCheckpoint, string? BestCheckpoint)
{
    /// <summary>Why the run stopped, in words, where the reason needs them (<see cref="StopReason.Diverged"/>); else null.</summary>
    public string? Detail { get; init; }
}
