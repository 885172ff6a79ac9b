namespace EncDec.Training;

/// <summary>Masked-LM settings: which ids may be chosen and what a chosen token becomes (BERT's 80/10/10).</summary>
/// <param name="VocabSize">Vocabulary size (random replacements are drawn from the ordinary ids).</param>
/// <param name="FirstOrdinaryId">Ids below this (special and control tokens, padding) are never chosen.</param>
/// <param name="MaskId">The MASK token's id (from the vocabulary).</param>
/// <param name="MaskProbability">Fraction of the ordinary tokens chosen for prediction.</param>
public sealed record MlmOptions(int VocabSize, int FirstOrdinaryId, int MaskId, double MaskProbability = 0.15);
