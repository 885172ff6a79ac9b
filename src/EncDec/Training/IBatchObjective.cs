using EncDec.Data;

namespace EncDec.Training;

/// <summary>
/// A training loss other than teacher-forced cross-entropy, computed per batch (e.g. sequence-level RL objectives).
/// <see cref="Trainer"/> calls it in place of its own loss, and keeps everything else (accumulation, clipping,
/// schedule, validation, checkpoints, resume).
/// </summary>
public interface IBatchObjective
{
    /// <summary>The loss to minimise on <paramref name="batch"/> (a scalar that requires grad), the target tokens it
    /// covers (for logging), and the batch's mean reward when the objective has one.</summary>
    BatchObjectiveResult Loss(Batch batch, long step);
}
