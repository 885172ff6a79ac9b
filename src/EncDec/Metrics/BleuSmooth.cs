namespace EncDec.Metrics;

/// <summary>BLEU smoothing methods (Chen &amp; Cherry 2014), as named by sacreBLEU.</summary>
public enum BleuSmooth
{
    /// <summary>sacreBLEU's default <c>exp</c> (NIST / mteval-v13a): the k-th order with no match gets precision 100 / (2^k · total).</summary>
    Exp,
    /// <summary><c>floor</c>: an order with no match gets precision 100 · value / total (value defaults to 0.1).</summary>
    Floor,
    /// <summary><c>add-k</c>: orders 2 and up add value (default 1) to both matches and totals.</summary>
    AddK,
    /// <summary><c>none</c>: no smoothing; any order with no match makes the score 0.</summary>
    None,
}
