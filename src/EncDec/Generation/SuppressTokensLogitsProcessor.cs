namespace EncDec.Generation;

/// <summary>Bans fixed token ids (PAD and BOS during generation).</summary>
public sealed class SuppressTokensLogitsProcessor(IReadOnlyList<int> tokens) : ILogitsProcessor
{
    public IReadOnlyList<int> Tokens { get; } = tokens;

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        foreach (var t in Tokens) if ((uint)t < (uint)logits.Length) logits[t] = float.NegativeInfinity;
    }
}
