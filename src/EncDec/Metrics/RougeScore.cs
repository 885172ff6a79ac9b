namespace EncDec.Metrics;

/// <summary>ROUGE-1, ROUGE-2 and ROUGE-L of a sentence or (averaged) of a corpus.</summary>
public sealed record RougeScore(RougeValue Rouge1, RougeValue Rouge2, RougeValue RougeL);
