namespace EncDec.TimeSeries;

/// <summary>Why training ended and what it did.</summary>
public sealed record ForecastTrainResult(int Steps, string StopReason, IReadOnlyList<double> Losses, IReadOnlyList<ForecastValidation> Validations,
                                         double BestValidLoss, double Seconds);
