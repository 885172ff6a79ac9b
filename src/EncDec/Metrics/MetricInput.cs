namespace EncDec.Metrics;

/// <summary>Shared argument checks for corpus metrics that take a hypothesis stream and reference streams.</summary>
internal static class MetricInput
{
    /// <summary>Checks every reference stream is as long as the hypotheses; returns the number of streams.</summary>
    public static int CheckStreams(IReadOnlyList<string> hyps, IReadOnlyList<IReadOnlyList<string>> refs)
    {
        ArgumentNullException.ThrowIfNull(hyps);
        ArgumentNullException.ThrowIfNull(refs);
        if (refs.Count == 0) throw new ArgumentException("at least one reference stream is required", nameof(refs));
        for (int s = 0; s < refs.Count; s++)
            if (refs[s].Count != hyps.Count)
                throw new ArgumentException($"reference stream {s + 1} has {refs[s].Count} segments but there are {hyps.Count} hypotheses", nameof(refs));
        return refs.Count;
    }

    /// <summary>The non-empty references of segment <paramref name="index"/> (sacreBLEU drops <c>""</c> references).</summary>
    /// <exception cref="ArgumentException">All of them are empty.</exception>
    public static List<string> SegmentReferences(IReadOnlyList<IReadOnlyList<string>> refs, int index)
    {
        var list = new List<string>(refs.Count);
        foreach (var stream in refs)
        {
            string? r = stream[index];
            if (!string.IsNullOrEmpty(r)) list.Add(r);
        }
        if (list.Count == 0) throw new EmptyReferenceException(index);
        return list;
    }
}
