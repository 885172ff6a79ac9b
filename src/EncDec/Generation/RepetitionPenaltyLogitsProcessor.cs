namespace EncDec.Generation;

/// <summary>CTRL repetition penalty: for each distinct generated token, a positive logit is divided by the penalty and a negative one multiplied.</summary>
public sealed class RepetitionPenaltyLogitsProcessor(float penalty) : ILogitsProcessor
{
    public float Penalty { get; } = penalty > 0 ? penalty : throw new ArgumentOutOfRangeException(nameof(penalty));

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        for (int i = 0; i < generatedSoFar.Length; i++)
        {
            int t = generatedSoFar[i];
            if ((uint)t >= (uint)logits.Length || generatedSoFar[..i].Contains(t)) continue;  // once per distinct token
            float v = logits[t];
            logits[t] = v > 0 ? v / Penalty : v * Penalty;
        }
    }
}
