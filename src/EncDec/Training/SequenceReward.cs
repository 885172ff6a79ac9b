namespace EncDec.Training;

/// <summary>A sentence-level reward of a hypothesis against the example's reference, both as target ids without
/// BOS/EOS (higher = better; e.g. sentence BLEU on detokenised text, supplied by the caller).</summary>
public delegate double SequenceReward(int[] hypothesis, int[] reference);
