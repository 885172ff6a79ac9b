namespace EncDec.Training;

/// <summary>How a run ended.</summary>
public enum StopReason
{
    MaxSteps, MaxMinutes, EarlyStopping, Cancelled,
    /// <summary>The weights became non-finite after an update, or <see cref="TrainerOptions.MaxSkippedStepsInARow"/> steps
    /// in a row were skipped: training stopped without writing a checkpoint of the diverged weights
    /// (<see cref="TrainResult.Detail"/> says which).</summary>
    Diverged,
}
