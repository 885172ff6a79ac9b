namespace EncDec.Metrics;

/// <summary>
/// A word or character error rate with its alignment counts, summed over the corpus as <c>jiwer</c> does:
/// rate = (S + D + I) / (S + D + H) — edits over reference length (it can exceed 1).
/// </summary>
public sealed record ErrorRateScore(double Rate, int Substitutions, int Deletions, int Insertions, int Hits)
{
    /// <summary>Reference units (words or characters): S + D + H.</summary>
    public int ReferenceLength => Substitutions + Deletions + Hits;
}
