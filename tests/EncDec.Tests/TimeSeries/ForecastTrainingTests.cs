using EncDec.IO;
using EncDec.Tensors;
using EncDec.TimeSeries;
using Xunit;

namespace EncDec.Tests.TimeSeries;

/// <summary>A reduced version of the shipped-series goals: a tiny model on a seasonal series with a trend, in seconds.</summary>
public sealed class ForecastTrainingTests
{
    /// <summary>Period-12 season + trend + noise, as CSV with monthly stamps.</summary>
    internal static string SeasonalCsv(int rows = 360, int seed = 4)
    {
        var rng = new Random(seed);
        var sb = new System.Text.StringBuilder("time,y\n");
        for (int i = 0; i < rows; i++)
        {
            double v = 10 + 0.05 * i + 3 * Math.Sin(2 * Math.PI * i / 12) + (rng.NextDouble() - 0.5) * 0.8;
            sb.Append($"{1900 + i / 12:D4}-{i % 12 + 1:D2},{v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}\n");
        }
        return sb.ToString();
    }

    internal static PreparedSeries Prepare(string csv)
    {
        var read = TimeSeriesCsv.Read(new StringReader(csv), "s.csv", "time");
        return PreparedSeries.Prepare(read.Frame, new ForecastSpec { TimeColumn = "time", Targets = ["y"], Windows = new WindowOptions(24, 6) });
    }

    [Fact]
    public void A_tiny_gru_beats_the_seasonal_naive_forecast_and_round_trips_through_a_file()
    {
        var s = Prepare(SeasonalCsv());
        Assert.Equal(12, s.Season);
        Assert.Equal(2, s.CovariateCount);                                   // annual sin/cos
        var cfg = new ForecastConfig { Architecture = ForecastArchitecture.Gru, HiddenSize = 16, Dropout = 0f, Targets = 1, Covariates = 2, Context = 24, Horizon = 6 };
        var model = new ForecastModel(cfg, new Rng(1));
        var result = new ForecastTrainer(model, s.Data, s.TrainStarts, s.ValidStarts,
            new ForecastTrainOptions { Steps = 150, BatchSize = 32, ValidEvery = 50, Lr = 1e-2 }).Train();
        Assert.True(result.Validations.Count >= 2);
        var report = ForecastEvaluation.Evaluate(model, s);
        var m = report.Get(ForecastEvaluation.ModelMethod);
        Assert.True(m.Mase < 1.0, report.Format());
        Assert.True(m.Mase < report.Get(ForecastEvaluation.SeasonalMethod).Mase, report.Format());
        Assert.True(m.Coverage is > 0.3, report.Format());
        Assert.Equal(s.TestStarts.Length * 6, m.Points);

        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        ForecastStore.Save(path, model, s);
        var (loaded, meta) = ForecastStore.Load(path);
        Assert.Equal(s.Scaler.Mean, meta.Mean);
        Assert.Equal(12, meta.Season);
        var b = s.Data.Batch(s.TestStarts.Take(4).ToArray(), cfg, withFuture: true);
        Assert.Equal(model.Forecast(b).ToArray(), loaded.Forecast(b).ToArray());
        Assert.Contains("not a forecasting model", Assert.Throws<UserInputException>(() =>
        {
            SafeTensors.Save(dir.File("plain.safetensors"), new Dictionary<string, Tensor> { ["w"] = Tensor.Zeros(2) });
            ForecastStore.Load(dir.File("plain.safetensors"));
        }).Message);
    }

    [Fact]
    public void A_run_stopped_by_time_still_validates_its_final_weights()
    {
        var s = Prepare(SeasonalCsv(rows: 120));
        var cfg = new ForecastConfig { Architecture = ForecastArchitecture.Gru, HiddenSize = 4, Targets = 1, Covariates = 2, Context = 24, Horizon = 6 };
        var model = new ForecastModel(cfg, new Rng(1));
        var r = new ForecastTrainer(model, s.Data, s.TrainStarts, s.ValidStarts,
            new ForecastTrainOptions { Steps = 100_000, ValidEvery = 100_000, MaxSeconds = 0.3, BatchSize = 8 }).Train();
        Assert.Equal("time limit", r.StopReason);
        Assert.True(r.Steps > 0);
        Assert.Single(r.Validations);
        Assert.True(double.IsFinite(r.BestValidLoss));
    }
}
