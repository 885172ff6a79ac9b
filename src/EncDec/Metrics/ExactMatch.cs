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

/// <summary>Perplexity from a negative log-likelihood in nats.</summary>
public static class Perplexity
{
    /// <summary><c>exp(meanNll)</c> for a mean per-token negative log-likelihood (natural log).</summary>
    public static double FromLoss(double meanNll) => Math.Exp(meanNll);

    /// <summary><c>exp(totalNll / tokenCount)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tokenCount"/> is not positive.</exception>
    public static double FromTotal(double totalNll, long tokenCount)
    {
        if (tokenCount <= 0) throw new ArgumentOutOfRangeException(nameof(tokenCount), "token count must be positive");
        return Math.Exp(totalNll / tokenCount);
    }
}
