using EncDec.Tensors;

namespace EncDec.TimeSeries;

/// <summary>
/// A batch of windows, in scaled units: the observed context values (B, C, n), the known covariates over the
/// context (B, C, k) and over the horizon (B, H, k) (null when k = 0), and the true future values (B, H, n) for
/// training and scoring (null when forecasting the unknown).
/// </summary>
public sealed record ForecastBatch(Tensor ContextValues, Tensor? ContextCovariates, Tensor? FutureCovariates, Tensor? FutureValues)
{
    public int BatchSize => ContextValues.Shape[0];
}
