namespace EncDec.TimeSeries;

/// <summary>Everything besides the weights that a saved forecaster needs to read new data the way it was trained.</summary>
public sealed record ForecastMeta(ForecastConfig Config, ForecastSpec Spec, float[] Mean, float[] Std, float[]? CovariateMean, float[]? CovariateStd, int Season);
