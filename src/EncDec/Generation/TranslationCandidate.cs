namespace EncDec.Generation;

/// <summary>An output text with its token ids and scores.</summary>
public sealed record TranslationCandidate(string Text, int[] Tokens, float Score, float NormalizedScore)
{
    /// <summary>One log-prob per token plus one for EOS, when <see cref="GenerationOptions.ReturnTokenLogProbs"/> asked for them.</summary>
    public float[]? TokenLogProbs { get; init; }
    /// <summary>(Tokens + EOS) × source tokens attention of this output, when <see cref="GenerationOptions.ReturnAttention"/> asked for it.</summary>
    public float[,]? Attention { get; init; }
}
