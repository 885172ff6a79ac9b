namespace EncDec.Metrics;

/// <summary>The results of one evaluation; a metric not computed is null.</summary>
public sealed record MetricsReport
{
    public BleuScore? Bleu { get; init; }
    public ChrFScore? ChrF { get; init; }
    public RougeScore? Rouge { get; init; }
    /// <summary>Exact-match fraction, 0–1.</summary>
    public double? ExactMatch { get; init; }
    /// <summary>Word error rate (jiwer), with its alignment counts.</summary>
    public ErrorRateScore? Wer { get; init; }
    /// <summary>Character error rate (jiwer), with its alignment counts.</summary>
    public ErrorRateScore? Cer { get; init; }
    /// <summary>Number of segments evaluated.</summary>
    public int Segments { get; init; }
}
