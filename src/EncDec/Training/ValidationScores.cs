namespace EncDec.Training;

/// <summary>What a validation scorer computed from the decoded hypotheses and their references (null: not asked for).</summary>
public sealed record ValidationScores(double? Bleu, double? ChrF, double? ExactMatch);
