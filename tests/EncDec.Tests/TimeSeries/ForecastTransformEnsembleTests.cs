using EncDec.Tensors;
using EncDec.TimeSeries;
using Xunit;

namespace EncDec.Tests.TimeSeries;

/// <summary>Variance-stabilising target transforms and ensembles of forecasters (median of the members' outputs).</summary>
public sealed class ForecastTransformEnsembleTests
{
    [Theory]
    [InlineData(SeriesTransform.None, 9.0, 9.0)]
    [InlineData(SeriesTransform.Sqrt, 9.0, 3.0)]
    [InlineData(SeriesTransform.Sqrt, -4.0, -2.0)]
    [InlineData(SeriesTransform.Log, 0.0, 0.0)]
    [InlineData(SeriesTransform.Log, -1.718281828459045, -1.0)]
    public void Transforms_are_odd_increasing_maps_that_invert(SeriesTransform t, double x, double y)
    {
        Assert.Equal(y, SeriesTransforms.Apply(t, x), 9);
        Assert.Equal(x, SeriesTransforms.Invert(t, y), 9);
        Assert.True(SeriesTransforms.Apply(t, x + 0.5) > SeriesTransforms.Apply(t, x));
    }

    [Fact]
    public void A_sqrt_scaler_standardises_the_square_roots_of_the_training_rows()
    {
        var a = new[] { 1f, 9f, 25f, 10_000f };
        var s = SeriesScaler.Fit([a], trainEnd: 3, SeriesTransform.Sqrt);
        Assert.Equal(3f, s.Mean[0], 5);                                      // mean of 1, 3, 5
        Assert.Equal(MathF.Sqrt(8f / 3), s.Std[0], 5);
        Assert.Equal(SeriesTransform.Sqrt, s.Transformation);
        Assert.Equal(0f, s.Transform(0, 9f), 5);
        Assert.Equal(49f, s.Inverse(0, s.Transform(0, 49f)), 3);
        Assert.Equal(-4f, s.Inverse(0, (-2f - 3f) / s.Std[0]), 4);           // negative transformed values invert too
    }

    [Fact]
    public void Prepared_data_and_saved_metadata_carry_the_transform()
    {
        var read = TimeSeriesCsv.Read(new StringReader(ForecastTrainingTests.SeasonalCsv(rows: 120)), "s.csv", "time");
        var spec = new ForecastSpec { TimeColumn = "time", Targets = ["y"], Windows = new WindowOptions(24, 6), Transform = SeriesTransform.Log };
        var s = PreparedSeries.Prepare(read.Frame, spec);
        var raw = s.RawTargets[0];
        Assert.Equal((MathF.Log(1 + raw[50]) - s.Scaler.Mean[0]) / s.Scaler.Std[0], s.Data.Targets[0][50], 4);
        var cfg = new ForecastConfig { Architecture = ForecastArchitecture.Gru, HiddenSize = 4, Targets = 1, Covariates = 2, Context = 24, Horizon = 6 };
        using var dir = new TempDir();
        ForecastStore.Save(dir.File("m.safetensors"), new ForecastModel(cfg, new Rng(1)), s);
        var (_, meta) = ForecastStore.Load(dir.File("m.safetensors"));
        Assert.Equal(SeriesTransform.Log, meta.Spec.Transform);
        Assert.Equal(raw[50], meta.TargetScaler().Inverse(0, s.Data.Targets[0][50]), 3);
    }

    [Fact]
    public void The_ensemble_median_is_taken_element_by_element()
    {
        var m = ForecastPrediction.Median([[1f, 5f, 0f], [3f, 4f, 2f], [2f, 9f, 1f]]);
        Assert.Equal(new[] { 2f, 5f, 1f }, m);
        Assert.Equal(new[] { 1.5f, 6.5f }, ForecastPrediction.Median([[1f, 4f], [2f, 9f]]));
    }

    [Fact]
    public void An_ensemble_forecasts_with_the_median_of_its_members_and_round_trips_through_a_file()
    {
        var s = ForecastTrainingTests.Prepare(ForecastTrainingTests.SeasonalCsv(rows: 120));
        var cfg = new ForecastConfig { Architecture = ForecastArchitecture.Gru, HiddenSize = 4, Dropout = 0f, Targets = 1, Covariates = 2, Context = 24, Horizon = 6 };
        var members = new[] { new ForecastModel(cfg, new Rng(1)), new ForecastModel(cfg, new Rng(2)), new ForecastModel(cfg, new Rng(3)) };
        var starts = s.TestStarts.Take(3).ToArray();
        var ens = ForecastPrediction.Run(members, s.Data, s.Scaler, starts);
        var each = members.Select(m => ForecastPrediction.Run(m, s.Data, s.Scaler, starts)).ToArray();
        for (int w = 0; w < starts.Length; w++)
            for (int h = 0; h < 6; h++)
            {
                var p = each.Select(e => e.Point[w][h][0]).Order().ToArray();
                Assert.Equal(p[1], ens.Point[w][h][0], 4);
                var lo = each.Select(e => e.Lower![w][h][0]).Order().ToArray();
                Assert.Equal(lo[1], ens.Lower![w][h][0], 4);
                Assert.True(ens.Lower[w][h][0] <= ens.Point[w][h][0] && ens.Point[w][h][0] <= ens.Upper![w][h][0]);
            }
        Assert.NotEqual(each[0].Point[0][0][0], each[1].Point[0][0][0]);    // the members differ

        using var dir = new TempDir();
        string path = dir.File("e.safetensors");
        ForecastStore.Save(path, members, s);
        var (loaded, meta) = ForecastStore.LoadAll(path);
        Assert.Equal(3, meta.Members);
        Assert.Equal(3, loaded.Count);
        var again = ForecastPrediction.Run(loaded, s.Data, s.Scaler, starts);
        Assert.Equal(ens.Point[2][5][0], again.Point[2][5][0]);
        Assert.Contains("an ensemble of 3 models", Assert.Throws<UserInputException>(() => ForecastStore.Load(path)).Message);
        var report = ForecastEvaluation.Evaluate(loaded, s, SplitPart.Valid);
        Assert.Equal(s.ValidStarts.Length, report.Windows);
    }

    /// <summary>A mean-reverting AR(2) series y_t = 0.6·y_{t−1} + 0.2·y_{t−2} + 2 + small noise, with numeric stamps.</summary>
    private static PreparedSeries MeanReverting(bool windowScaling, out ForecastConfig cfg, bool skipLevel, int rows = 300)
    {
        var rng = new Random(3);
        var sb = new System.Text.StringBuilder("time,y\n");
        double a = 10, b = 10;
        for (int i = 0; i < rows; i++)
        {
            double y = 0.6 * a + 0.2 * b + 2 + (rng.NextDouble() - 0.5) * 2;
            b = a; a = y;
            sb.Append(System.FormattableString.Invariant($"{i},{y:0.####}\n"));
        }
        var read = TimeSeriesCsv.Read(new StringReader(sb.ToString()), "ar.csv", "time");
        var s = PreparedSeries.Prepare(read.Frame, new ForecastSpec { TimeColumn = "time", Targets = ["y"], Windows = new WindowOptions(8, 3) });
        cfg = new ForecastConfig { Architecture = ForecastArchitecture.Gru, HiddenSize = 4, Targets = 1, Covariates = s.CovariateCount, Context = 8, Horizon = 3,
                                   WindowScaling = windowScaling, SkipLevel = skipLevel };
        return s;
    }

    [Fact]
    public void A_least_squares_skip_with_the_level_recovers_a_mean_reverting_autoregression()
    {
        var s = MeanReverting(windowScaling: false, out var cfg, skipLevel: true, rows: 3000);
        var model = new ForecastModel(cfg, new Rng(1));
        double lambda = model.FitLinearSkip(s.Data.Batch(s.TrainStarts, cfg, true), s.Data.Batch(s.ValidStarts, cfg, true), [1e-6]);
        Assert.Equal(1e-6, lambda);
        Assert.Equal(9, model.Skip!.Weight.Shape[1]);                        // 8 relative context values + the level
        // one step: y − level = 0.6·level + 0.2·x₆ − level + c = 0.2·(x₆ − level) + (0.6 + 0.2 − 1)·level + c
        var w = model.Skip.Weight.ToArray();                                 // (3, 9)
        Assert.InRange(w[6], 0.14, 0.26);                                   // least-squares error about 0.02 on 2,100 training rows
        Assert.InRange(w[8], -0.26, -0.14);
        for (int t = 0; t < 6; t++) Assert.InRange(w[t], -0.06, 0.06);
    }

    [Fact]
    public void A_fitted_skip_is_held_fixed_while_the_network_trains_and_the_ridge_is_chosen_on_validation()
    {
        var s = MeanReverting(windowScaling: true, out var cfg, skipLevel: true);
        var model = new ForecastModel(cfg, new Rng(1));
        var trainer = new ForecastTrainer(model, s.Data, s.TrainStarts, s.ValidStarts,
            new ForecastTrainOptions { Steps = 30, ValidEvery = 10, BatchSize = 16, SkipFit = LinearSkipFit.LeastSquares });
        var r = trainer.Train();
        Assert.Contains(trainer.SkipRidge, ForecastTrainer.SkipRidges);
        var fitted = new ForecastModel(cfg, new Rng(1));
        fitted.FitLinearSkip(s.Data.Batch(s.TrainStarts, cfg, true), s.Data.Batch(s.ValidStarts, cfg, true), [trainer.SkipRidge]);
        Assert.Equal(fitted.Skip!.Weight.ToArray(), model.Skip!.Weight.ToArray());   // unchanged by 30 steps of AdamW
        Assert.NotEqual(new ForecastModel(cfg, new Rng(1)).Head.Weight.ToArray(), model.Head.Weight.ToArray());   // the network did train
        Assert.Equal(30, r.Steps);
        var report = ForecastEvaluation.Evaluate(model, s);
        Assert.True(report.Get(ForecastEvaluation.ModelMethod).Mase < report.Get(ForecastEvaluation.NaiveMethod).Mase, report.Format());
    }
}
