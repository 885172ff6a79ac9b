using EncDec.TimeSeries;
using Xunit;

namespace EncDec.Tests.TimeSeries;

public sealed class ForecastMetricsTests
{
    [Fact]
    public void Scores_match_hand_computed_values()
    {
        float[] y = [1, 2, 3, 4], p = [2, 2, 1, 4];
        var s = ForecastMetrics.Score(y, p, maseScale: 0.5, lower: [0, 1, 2, 3], upper: [3, 3, 2.5f, 5]);
        Assert.Equal(0.75, s.Mae, 12);                                       // (1 + 0 + 2 + 0) / 4
        Assert.Equal(Math.Sqrt(5.0 / 4), s.Rmse, 12);
        Assert.Equal(100 * (2.0 / 3 + 0 + 1.0 + 0) / 4, s.Smape, 9);         // 2|e|/(|y|+|ŷ|): 2/3, 0, 4/4, 0
        Assert.Equal(1.5, s.Mase, 12);
        Assert.Equal(0.75, s.Coverage!.Value, 12);                           // y=3 lies outside [2, 2.5]
    }

    [Fact]
    public void Mase_scale_is_the_in_sample_seasonal_naive_error()
    {
        float[] y = [1, 5, 2, 7, 3, 9, 100];
        Assert.Equal((1 + 2 + 1 + 2) / 4.0, ForecastMetrics.SeasonalNaiveScale(y, trainEnd: 6, season: 2), 12);
        Assert.Equal((4 + 3 + 5 + 4 + 6) / 5.0, ForecastMetrics.SeasonalNaiveScale(y, 6, 1), 12);
    }

    [Fact]
    public void Baselines_repeat_the_last_value_or_season()
    {
        float[] ctx = [1, 2, 3, 4, 5, 6];
        Assert.Equal(new[] { 6f, 6f, 6f }, Baselines.Naive(ctx, 3));
        Assert.Equal(new[] { 4f, 5f, 6f, 4f, 5f }, Baselines.SeasonalNaive(ctx, 5, season: 3));
    }

    [Fact]
    public void Linear_ar_recovers_an_ar2_process_and_forecasts_it_recursively()
    {
        var rng = new Random(3);
        var y = new float[600];
        y[0] = 1; y[1] = 0.5f;
        for (int t = 2; t < y.Length; t++) y[t] = 0.3f + 0.6f * y[t - 1] - 0.2f * y[t - 2] + (float)(rng.NextDouble() - 0.5);
        var ar = LinearAutoregression.Fit(y, 600, 2);
        Assert.InRange(ar.Coefficients[0], 0.25, 0.35);                     // least squares on 600 noisy rows: within a few standard errors
        Assert.InRange(ar.Coefficients[1], 0.55, 0.65);
        Assert.InRange(ar.Coefficients[2], -0.25, -0.15);
        var f = ar.Forecast(new float[] { 0, 1, 2 }, 2);
        double f1 = ar.Coefficients[0] + ar.Coefficients[1] * 2 + ar.Coefficients[2] * 1;
        Assert.Equal(f1, f[0], 4);
        Assert.Equal(ar.Coefficients[0] + ar.Coefficients[1] * f1 + ar.Coefficients[2] * 2, f[1], 4);
    }
}
