namespace EncDec.Training;

/// <summary>One optimizer step's numbers, reported to progress callbacks and the metrics log.</summary>
/// <param name="TokensPerSecond">Target tokens per second since the last log step.</param>
/// <param name="Epoch">0-based epoch of the step's last batch.</param>
public sealed record StepInfo(long Step, double Loss, double Lr, double GradNorm, double TokensPerSecond, int TargetTokens,
                              double GoldProbability, double FedPredictionFraction, bool Skipped, double ElapsedSeconds, int Epoch = 0);
