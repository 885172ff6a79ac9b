namespace EncDec.Metrics;

/// <summary>Recall@k of both retrieval directions of a paired set.</summary>
public sealed record RetrievalScores(double ImageToTextAt1, double ImageToTextAt5, double TextToImageAt1, double TextToImageAt5);
