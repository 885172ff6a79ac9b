namespace EncDec.TimeSeries;

/// <summary>Forecasting with an <see cref="ArBlendPart"/>.</summary>
public static class ArBlendParts
{
    /// <summary>The AR's recursive forecast of <paramref name="horizon"/> steps in series units from a context in model units (target <paramref name="j"/> of <paramref name="scaler"/>).</summary>
    public static float[] ForecastSeries(this ArBlendPart p, ReadOnlySpan<float> scaledContext, int horizon, SeriesScaler scaler, int j)
    {
        var ar = LinearAutoregression.FromCoefficients(p.Coefficients);
        if (p.Space == ArBlendSpace.Model)
        {
            var f = ar.Forecast(scaledContext, horizon);
            for (int h = 0; h < horizon; h++) f[h] = scaler.Inverse(j, f[h]);
            return f;
        }
        var raw = new float[scaledContext.Length];
        for (int t = 0; t < raw.Length; t++) raw[t] = scaler.Inverse(j, scaledContext[t]);
        return ar.Forecast(raw, horizon);
    }
}
