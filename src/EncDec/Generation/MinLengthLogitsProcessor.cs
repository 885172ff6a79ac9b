namespace EncDec.Generation;

/// <summary>Bans EOS until <see cref="MinLength"/> tokens have been generated.</summary>
public sealed class MinLengthLogitsProcessor(int minLength, int eosId) : ILogitsProcessor
{
    public int MinLength { get; } = minLength;
    public int EosId { get; } = eosId;

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        if (generatedSoFar.Length < MinLength) logits[EosId] = float.NegativeInfinity;
    }
}
