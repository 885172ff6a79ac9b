namespace EncDec.Training;

/// <summary>Sequence-level objectives of <c>encdec finetune</c>.</summary>
public enum SequenceObjectiveKind
{
    /// <summary>Self-critical sequence training (Rennie et al. 2017): REINFORCE, the greedy output's reward as baseline.</summary>
    Scst,
    /// <summary>Minimum risk training (Shen et al. 2016): expected risk under the sharpened model distribution over candidates.</summary>
    Mrt,
}
