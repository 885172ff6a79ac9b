namespace EncDec.Generation;

/// <summary>One output sequence.</summary>
/// <param name="Tokens">Output tokens, without BOS and EOS.</param>
/// <param name="Score">Total log-probability, EOS included.</param>
/// <param name="NormalizedScore">Score divided by the GNMT length penalty (equal to Score when α = 0).</param>
/// <param name="TokenLogProbs">Tokens.Length + 1 log-probs (the last one for EOS), when requested.</param>
/// <param name="Attention">(Tokens.Length + 1) × (true source length) attention, when requested and the model has it.</param>
public sealed record Hypothesis(int[] Tokens, float Score, float NormalizedScore, float[]? TokenLogProbs, float[,]? Attention);
