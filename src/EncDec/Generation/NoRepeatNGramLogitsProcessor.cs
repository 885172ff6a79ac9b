namespace EncDec.Generation;

/// <summary>Bans every token that would complete an n-gram already present in the output.</summary>
public sealed class NoRepeatNGramLogitsProcessor(int ngramSize) : ILogitsProcessor
{
    public int NGramSize { get; } = ngramSize > 0 ? ngramSize : throw new ArgumentOutOfRangeException(nameof(ngramSize));

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        int n = NGramSize, len = generatedSoFar.Length;
        if (len < n - 1) return;
        var prefix = generatedSoFar[(len - (n - 1))..];
        for (int i = 0; i + n <= len; i++)
            if (generatedSoFar.Slice(i, n - 1).SequenceEqual(prefix))
            {
                int t = generatedSoFar[i + n - 1];
                if ((uint)t < (uint)logits.Length) logits[t] = float.NegativeInfinity;
            }
    }
}
