namespace EncDec.TimeSeries;

/// <summary>
/// Accuracy of a set of forecasts in the series' units: MAE, RMSE, sMAPE (percent, 2|y−ŷ|/(|y|+|ŷ|)), MASE (MAE over
/// the mean absolute seasonal-naive error on the training window) and, for a model with intervals, the share of
/// points inside its interval.
/// </summary>
public sealed record ForecastScores(double Mae, double Rmse, double Smape, double Mase, double? Coverage, int Points);
