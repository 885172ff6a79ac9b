namespace EncDec.Generation;

/// <summary>One output sequence.</summary>
/// <param name="Tokens">Output tokens, without BOS and EOS.</param>
/// <param name="Score">Total log-probability, EOS included.</param>
/// <param name="NormalizedScore">Score divided by the GNMT length penalty (equal to Score when α = 0).</param>
/// <param name="TokenLogProbs">Tokens.Length + 1 log-probs (the last one for EOS), when requested.</param>
/// <param name="Attention">(Tokens.Length + 1) × (true source length) attention, when requested and the model has it.</param>
public sealed record Hypothesis(int[] Tokens, float Score, float NormalizedScore, float[]? TokenLogProbs, float[,]? Attention);

/// <summary>The hypotheses for one source, best (highest normalized score) first.</summary>
public sealed record GenerationResult(int SourceIndex, IReadOnlyList<Hypothesis> Hypotheses)
{
    /// <summary>The best hypothesis (throws when none finished, which only happens when constraints cannot be met).</summary>
    public Hypothesis Best => Hypotheses.Count > 0 ? Hypotheses[0] : throw new InvalidOperationException("no hypothesis finished");
}

/// <summary>A token produced by greedy or sampled decoding (EOS included, as the last event of a sequence).</summary>
/// <param name="SourceIndex">Which source it belongs to.</param>
/// <param name="Token">The token id.</param>
/// <param name="Step">Its 0-based output position.</param>
/// <param name="SequenceIndex">Which of the NBest samples of that source.</param>
public readonly record struct StreamEvent(int SourceIndex, int Token, int Step, int SequenceIndex = 0);
