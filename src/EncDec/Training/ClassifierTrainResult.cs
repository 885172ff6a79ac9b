namespace EncDec.Training;

/// <summary>The numbers of a finished classifier training.</summary>
public sealed record ClassifierTrainResult(long Steps, IReadOnlyList<double> Losses, double TrainAccuracy, double? ValidAccuracy, double Seconds);
