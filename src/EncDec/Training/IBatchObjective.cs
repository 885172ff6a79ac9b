using EncDec.Data;
using EncDec.Tensors;

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

/// <summary>What <see cref="IBatchObjective.Loss"/> computed.</summary>
public sealed record BatchObjectiveResult(Tensor Loss, int Tokens, double? MeanReward = null);

/// <summary>A sentence-level reward of a hypothesis against the example's reference, both as target ids without
/// BOS/EOS (higher = better; e.g. sentence BLEU on detokenised text, supplied by the caller).</summary>
public delegate double SequenceReward(int[] hypothesis, int[] reference);

/// <summary>Sequence-level objectives of <c>encdec finetune</c>.</summary>
public enum SequenceObjectiveKind
{
    /// <summary>Self-critical sequence training (Rennie et al. 2017): REINFORCE, the greedy output's reward as baseline.</summary>
    Scst,
    /// <summary>Minimum risk training (Shen et al. 2016): expected risk under the sharpened model distribution over candidates.</summary>
    Mrt,
}
