namespace EncDec.Generation;

/// <summary>Forces the first tokens of every output: at step t &lt; prefix length only prefix[t] keeps its score.</summary>
public sealed class ForcedPrefixLogitsProcessor(IReadOnlyList<int> prefix) : ILogitsProcessor
{
    public IReadOnlyList<int> Prefix { get; } = prefix;

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        int step = generatedSoFar.Length;
        if (step >= Prefix.Count) return;
        KeepOnly(logits, Prefix[step]);
    }

    /// <summary>Sets every score but <paramref name="token"/>'s to −∞.</summary>
    internal static void KeepOnly(Span<float> logits, int token)
    {
        float keep = logits[token];
        logits.Fill(float.NegativeInfinity);
        logits[token] = keep;
    }
}
