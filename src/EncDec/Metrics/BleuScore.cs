namespace EncDec.Metrics;

/// <summary>A BLEU result with the sufficient statistics it came from. Precisions and the score are on a 0–100 scale.</summary>
public sealed record BleuScore
{
    /// <summary>BLEU, 0–100.</summary>
    public required double Score { get; init; }
    /// <summary>Clipped n-gram matches per order (1..MaxOrder), before any add-k smoothing.</summary>
    public required IReadOnlyList<long> Counts { get; init; }
    /// <summary>Hypothesis n-grams per order, before any add-k smoothing.</summary>
    public required IReadOnlyList<long> Totals { get; init; }
    /// <summary>(Smoothed) n-gram precisions per order, 0–100.</summary>
    public required IReadOnlyList<double> Precisions { get; init; }
    /// <summary>Brevity penalty.</summary>
    public required double Bp { get; init; }
    /// <summary>Total hypothesis length in tokens.</summary>
    public required long SysLen { get; init; }
    /// <summary>Total effective reference length (closest reference per segment, ties to the shorter).</summary>
    public required long RefLen { get; init; }
    /// <summary>sys_len / ref_len, or 0 when ref_len is 0.</summary>
    public double Ratio => RefLen != 0 ? (double)SysLen / RefLen : 0.0;
    /// <summary>sacreBLEU-2.x-style signature, e.g. <c>nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:encdec</c>.</summary>
    public required string Signature { get; init; }
}
