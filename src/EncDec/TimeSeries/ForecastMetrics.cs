namespace EncDec.TimeSeries;

/// <summary>Forecast accuracy measures (see <see cref="ForecastScores"/>).</summary>
public static class ForecastMetrics
{
    /// <summary>
    /// MASE's scale: mean |y_t − y_{t−m}| over the training rows [0, <paramref name="trainEnd"/>) — the in-sample
    /// one-step error of the seasonal-naive forecast with period <paramref name="season"/> (m = 1: the naive forecast).
    /// </summary>
    public static double SeasonalNaiveScale(IReadOnlyList<float> series, int trainEnd, int season)
    {
        if (season < 1) throw new ArgumentOutOfRangeException(nameof(season));
        if (trainEnd <= season) throw new UserInputException($"--season: the training part ({trainEnd} rows) must be longer than the season ({season})");
        double s = 0;
        for (int t = season; t < trainEnd; t++) s += Math.Abs(series[t] - series[t - season]);
        double scale = s / (trainEnd - season);
        return scale > 0 ? scale : 1e-12;
    }

    /// <summary>Scores forecasts <paramref name="predicted"/> of <paramref name="actual"/> (same length); with bounds, also coverage.</summary>
    public static ForecastScores Score(IReadOnlyList<float> actual, IReadOnlyList<float> predicted, double maseScale,
                                       IReadOnlyList<float>? lower = null, IReadOnlyList<float>? upper = null)
    {
        int n = actual.Count;
        if (predicted.Count != n) throw new ArgumentException("actual and predicted differ in length");
        if (n == 0) return new ForecastScores(double.NaN, double.NaN, double.NaN, double.NaN, null, 0);
        double ae = 0, se = 0, sm = 0; int inside = 0;
        for (int i = 0; i < n; i++)
        {
            double y = actual[i], p = predicted[i], e = Math.Abs(y - p);
            ae += e; se += e * e;
            double denom = Math.Abs(y) + Math.Abs(p);
            sm += denom > 0 ? 2 * e / denom : 0;
            if (lower is not null && upper is not null && y >= lower[i] && y <= upper[i]) inside++;
        }
        double mae = ae / n;
        return new ForecastScores(mae, Math.Sqrt(se / n), 100 * sm / n, mae / maseScale,
                                  lower is null ? null : (double)inside / n, n);
    }
}
