namespace EncDec.Metrics;

/// <summary>Exact-match accuracy: the fraction of hypotheses equal (ordinal comparison) to at least one of their references.</summary>
public static class ExactMatch
{
    /// <summary>Fraction in [0, 1] (0 for an empty corpus). With <paramref name="trim"/>, leading and trailing whitespace
    /// is ignored on both sides.</summary>
    public static double Corpus(IReadOnlyList<string> hyps, IReadOnlyList<IReadOnlyList<string>> refs, bool trim = true)
    {
        MetricInput.CheckStreams(hyps, refs);
        if (hyps.Count == 0) return 0.0;
        int matches = 0;
        for (int i = 0; i < hyps.Count; i++)
        {
            string h = trim ? hyps[i].Trim() : hyps[i];
            foreach (var stream in refs)
                if (string.Equals(h, trim ? stream[i].Trim() : stream[i], StringComparison.Ordinal)) { matches++; break; }
        }
        return (double)matches / hyps.Count;
    }
}
