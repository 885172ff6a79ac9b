namespace EncDec.TimeSeries;

/// <summary>One validation of a forecaster: the step and the mean loss of its autoregressive forecasts (scaled units).</summary>
public sealed record ForecastValidation(int Step, double Loss, bool Best);
