namespace EncDec.Training;

/// <summary>Summary of a finished run.</summary>
public sealed record TrainResult(long Steps, StopReason Reason, IReadOnlyList<double> Losses, ValidationInfo? LastValidation,
                                 ValidationInfo? BestValidation, int SkippedSteps, string? LastCheckpoint, string? BestCheckpoint)
{
    /// <summary>Why the run stopped, in words, where the reason needs them (<see cref="StopReason.Diverged"/>); else null.</summary>
    public string? Detail { get; init; }
}
