namespace EncDec.TimeSeries;

/// <summary>
/// Everything besides the weights that a saved forecaster needs to read new data the way it was trained;
/// <paramref name="Members"/> models of the same config form an ensemble (their weights stored as member0., member1., …);
/// <paramref name="Blend"/>, when present, combines the forecasts with linear autoregressions.
/// </summary>
public sealed record ForecastMeta(ForecastConfig Config, ForecastSpec Spec, float[] Mean, float[] Std, float[]? CovariateMean, float[]? CovariateStd, int Season, int Members = 1,
                                  LinearArBlend? Blend = null)
{
    /// <summary>The target scaler the model was trained with (its transform included).</summary>
    public SeriesScaler TargetScaler() => new(Mean, Std, Spec.Transform);
}
