namespace EncDec.Generation;

/// <summary>Bans the last token of each banned sequence whose other tokens end the output (a length-1 sequence is always banned).</summary>
public sealed class BannedSequencesLogitsProcessor(IReadOnlyList<int[]> sequences) : ILogitsProcessor
{
    public IReadOnlyList<int[]> Sequences { get; } = sequences;

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        foreach (var s in Sequences)
        {
            if (s.Length == 0 || (uint)s[^1] >= (uint)logits.Length) continue;
            if (generatedSoFar.EndsWith(s.AsSpan(0, s.Length - 1))) logits[s[^1]] = float.NegativeInfinity;
        }
    }
}
