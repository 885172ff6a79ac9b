using EncDec.Tensors;
using EncDec.TimeSeries;
using Xunit;

namespace EncDec.Tests.TimeSeries;

/// <summary>Forecast combination of the network with a linear autoregression, its weight chosen on the validation windows.</summary>
public sealed class LinearArBlendTests
{
    /// <summary>Numeric-stamped rows of <paramref name="value"/>(i), prepared with context 8, horizon 3 (300 rows: train 210 / valid 30 / test 60).</summary>
    private static PreparedSeries Series(Func<int, double> value, out ForecastConfig cfg)
    {
        var sb = new System.Text.StringBuilder("time,y\n");
        for (int i = 0; i < 300; i++) sb.Append(FormattableString.Invariant($"{i},{value(i):R}\n"));
        var read = TimeSeriesCsv.Read(new StringReader(sb.ToString()), "s.csv", "time");
        var s = PreparedSeries.Prepare(read.Frame, new ForecastSpec { TimeColumn = "time", Targets = ["y"], Windows = new WindowOptions(8, 3) });
        cfg = new ForecastConfig { Architecture = ForecastArchitecture.Gru, HiddenSize = 4, Dropout = 0f, Targets = 1, Covariates = s.CovariateCount, Context = 8, Horizon = 3 };
        return s;
    }

    [Fact]
    public void The_weight_goes_to_the_autoregression_when_it_is_exact()
    {
        // a sinusoid of period 9.7 is exactly AR(2) with an intercept: y_t − 10 = 2cos θ·(y_{t−1} − 10) − (y_{t−2} − 10)
        var s = Series(i => 10 + 5 * Math.Sin(2 * Math.PI * i / 9.7), out var cfg);
        var model = new ForecastModel(cfg, new Rng(1));                      // untrained: about "no change from the last value"
        var blend = LinearArBlend.Choose([model], s);
        var p = Assert.Single(blend.Targets);
        Assert.Equal(0.0, p.Weight);
        Assert.InRange(p.ValidMaseAr, 0, 0.01);
        Assert.True(p.ValidMaseNetwork > 0.5, $"network {p.ValidMaseNetwork}");
        Assert.Equal(p.ValidMaseAr, p.ValidMaseBlend);
        var report = ForecastEvaluation.Evaluate(model, s, SplitPart.Valid, blend);
        Assert.Equal(report.Get(ForecastEvaluation.ArMethod).Mase, report.Get(ForecastEvaluation.ModelMethod).Mase, 2);
    }

    [Fact]
    public void The_weight_stays_with_the_network_when_the_autoregression_is_wrong()
    {
        // training rows revert quickly to 10 (so the AR learns to pull every forecast back to 10); from row 210 (the first validation row) on the
        // series stays at 40, where "no change" (what an untrained network with window scaling forecasts, to within
        // 0.05 scaled units) is right and the AR's pull back to 10 is wrong
        var rng = new Random(5);
        double x = 10;
        var values = new double[300];
        for (int i = 0; i < 300; i++) { x = i >= 210 ? 40 : 10 + 0.3 * (x - 10) + (rng.NextDouble() - 0.5) * 2; values[i] = x; }
        var s = Series(i => values[i], out var cfg);
        var blend = LinearArBlend.Choose([new ForecastModel(cfg, new Rng(1))], s);
        var p = Assert.Single(blend.Targets);
        Assert.Equal(1.0, p.Weight);
        Assert.True(p.ValidMaseNetwork < 0.1 * p.ValidMaseAr, $"network {p.ValidMaseNetwork}, AR {p.ValidMaseAr}");
        Assert.Equal(p.ValidMaseNetwork, p.ValidMaseBlend);
    }

    [Fact]
    public void A_blend_shifts_every_quantile_alike_and_round_trips_through_a_model_file()
    {
        var s = ForecastTrainingTests.Prepare(ForecastTrainingTests.SeasonalCsv(rows: 160));
        var cfg = new ForecastConfig { Architecture = ForecastArchitecture.Gru, HiddenSize = 4, Dropout = 0f, Targets = 1, Covariates = 2, Context = 24, Horizon = 6 };
        var model = new ForecastModel(cfg, new Rng(1));
        var chosen = LinearArBlend.Choose([model], s, weight: 0.5);
        Assert.Equal(0.5, chosen.Targets[0].Weight);
        var starts = s.TestStarts.Take(3).ToArray();
        var plain = ForecastPrediction.Run(model, s.Data, s.Scaler, starts);
        var mixed = ForecastPrediction.Run(model, s.Data, s.Scaler, starts, blend: chosen);
        var part = chosen.Targets[0];
        for (int w = 0; w < starts.Length; w++)
        {
            var ar = part.ForecastSeries(s.Data.Targets[0].AsSpan(starts[w], 24), 6, s.Scaler, 0);
            for (int h = 0; h < 6; h++)
            {
                Assert.Equal(0.5 * plain.Point[w][h][0] + 0.5 * ar[h], mixed.Point[w][h][0], 1e-3);
                float d = mixed.Point[w][h][0] - plain.Point[w][h][0];   // no transform: the shift is the same in series units
                Assert.Equal(plain.Lower![w][h][0] + d, mixed.Lower![w][h][0], 1e-3);
                Assert.Equal(plain.Upper![w][h][0] + d, mixed.Upper![w][h][0], 1e-3);
            }
        }
        Assert.NotEqual(plain.Point[0][0][0], mixed.Point[0][0][0]);

        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        ForecastStore.Save(path, model, s, chosen);
        var (loaded, meta) = ForecastStore.Load(path);
        Assert.NotNull(meta.Blend);
        Assert.Equal(part.Coefficients, meta.Blend!.Targets[0].Coefficients);
        Assert.Equal(part.Space, meta.Blend.Targets[0].Space);
        var again = ForecastPrediction.Run(loaded, s.Data, meta.TargetScaler(), starts, blend: meta.Blend);
        for (int w = 0; w < starts.Length; w++)
            for (int h = 0; h < 6; h++) Assert.Equal(mixed.Point[w][h][0], again.Point[w][h][0]);
        ForecastStore.Save(dir.File("plain.safetensors"), model, s);
        Assert.Null(ForecastStore.Load(dir.File("plain.safetensors")).Meta.Blend);
        Assert.Throws<UserInputException>(() => LinearArBlend.Choose([model], s, weight: 1.5));
    }

    [Fact]
    public void With_square_roots_the_model_units_autoregression_is_fit_on_the_transformed_series()
    {
        var read = TimeSeriesCsv.Read(new StringReader(ForecastTrainingTests.SeasonalCsv(rows: 160)), "s.csv", "time");
        var s = PreparedSeries.Prepare(read.Frame, new ForecastSpec { TimeColumn = "time", Targets = ["y"], Windows = new WindowOptions(24, 6), Transform = SeriesTransform.Sqrt });
        var part = new ArBlendPart(ArBlendSpace.Model, [0.1, 0.5], 0);
        var ctx = s.Data.Targets[0].AsSpan(10, 24);
        var f = part.ForecastSeries(ctx, 2, s.Scaler, 0);
        float z1 = 0.1f + 0.5f * ctx[^1];
        Assert.Equal(s.Scaler.Inverse(0, z1), f[0], 4);
        Assert.Equal(s.Scaler.Inverse(0, 0.1f + 0.5f * z1), f[1], 4);
        var series = new ArBlendPart(ArBlendSpace.Series, [1.0, 0.5], 0).ForecastSeries(ctx, 1, s.Scaler, 0);
        Assert.Equal(1 + 0.5 * s.RawTargets[0][33], series[0], 1e-3);
    }
}
