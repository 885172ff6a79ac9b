namespace EncDec.Training;

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
