namespace EncDec.Metrics;

/// <summary>A chrF result: the score (0–100) and the summed [hyp, ref, match] statistics per order (character orders first).</summary>
public sealed record ChrFScore
{
    /// <summary>chrF, 0–100.</summary>
    public required double Score { get; init; }
    /// <summary>sacreBLEU's name: <c>chrF2</c>, or <c>chrF2++</c> for word order 2.</summary>
    public required string Name { get; init; }
    /// <summary>Flattened [hyp, ref, match] triples, 3 · (CharOrder + WordOrder) numbers.</summary>
    public required IReadOnlyList<long> Statistics { get; init; }
    /// <summary>e.g. <c>nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:encdec</c>.</summary>
    public required string Signature { get; init; }
}
