namespace EncDec.Metrics;

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
