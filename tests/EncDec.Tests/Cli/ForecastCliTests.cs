using EncDec.Tests.TimeSeries;
using Xunit;

namespace EncDec.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class ForecastCliTests
{
    /// <summary>A 200-month seasonal series in <paramref name="dir"/> and the path of a run folder beside it (not created).</summary>
    private static (string Csv, string Run) SeasonalRun(TempDir dir) =>
        (dir.Write("s.csv", ForecastTrainingTests.SeasonalCsv(rows: 200)), dir.File("run"));

    [Fact]
    public void Train_then_predict_past_the_end_writes_csv_and_plot()
    {
        using var dir = new TempDir();
        var (csv, run) = SeasonalRun(dir);
        var r = CliRunner.Ok("forecast", "train", "--csv", csv, "--target", "y", "--context", "24", "--horizon", "6", "--model", "gru",
                             "--hidden-size", "8", "--steps", "20", "--valid-every", "10", "--batch-size", "16", "--out", run);
        Assert.Contains("train 140 / valid 20 / test 40 rows in time order", r.Stdout);
        Assert.Contains("linear-AR", r.Stdout);
        Assert.Contains("seasonal-naive (m = 12)", r.Stdout);
        foreach (var f in new[] { "model.safetensors", "report.txt", "metrics.json", "test-forecast.csv", "test-forecast.svg" })
            Assert.True(File.Exists(Path.Combine(run, f)), f);

        string outCsv = dir.File("fc.csv");
        var p = CliRunner.Ok("forecast", "predict", "--model", run, "--csv", csv, "--output", outCsv);
        Assert.Contains("1916-09 … 1917-02 (6 steps)", p.Stdout);                 // 200 months from 1900-01 end at 1916-08
        var lines = File.ReadAllLines(outCsv);
        Assert.Equal("time,y,y_lower80,y_upper80", lines[0]);
        Assert.Equal(7, lines.Length);
        Assert.StartsWith("1916-09,", lines[1]);
        var cells = lines[1].Split(',').Skip(1).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(cells[1] <= cells[0] && cells[0] <= cells[2], lines[1]);
        Assert.Contains("<polyline", File.ReadAllText(dir.File("fc.svg")));
    }

    [Fact]
    public void Train_an_ensemble_on_sqrt_transformed_targets_then_predict()
    {
        using var dir = new TempDir();
        var (csv, run) = SeasonalRun(dir);
        var r = CliRunner.Ok("forecast", "train", "--csv", csv, "--target", "y", "--context", "24", "--horizon", "6", "--model", "gru",
                             "--hidden-size", "4", "--steps", "10", "--valid-every", "5", "--batch-size", "16", "--out", run,
                             "--transform", "sqrt", "--ensemble", "2");
        Assert.Contains("× 2 ensemble members (median of their outputs), targets transformed sqrt", r.Stdout);
        Assert.Contains("member 2/2 (seed 2): trained 10 steps", r.Stdout);
        Assert.Contains("valid: MASE ", r.Stdout);
        Assert.Contains("\"members\": 2", File.ReadAllText(Path.Combine(run, "metrics.json")));
        string outCsv = dir.File("fc.csv");
        CliRunner.Ok("forecast", "predict", "--model", run, "--csv", csv, "--output", outCsv);
        var cells = File.ReadAllLines(outCsv)[1].Split(',').Skip(1).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.InRange(cells[0], 5, 40);                                       // the series runs from about 7 to 23
        Assert.StartsWith("error: --transform: ", CliRunner.Fails("forecast", "train", "--csv", csv, "--target", "y", "--transform", "cube"));
        Assert.StartsWith("error: --ensemble: ", CliRunner.Fails("forecast", "train", "--csv", csv, "--target", "y", "--ensemble", "0"));
        Assert.StartsWith("error: --blend-linear-ar: ", CliRunner.Fails("forecast", "train", "--csv", csv, "--target", "y", "--blend-linear-ar", "2"));
    }

    [Fact]
    public void A_linear_ar_blend_without_validation_windows_or_with_a_bad_weight_is_refused_before_training()
    {
        using var dir = new TempDir();
        var (csv, run) = SeasonalRun(dir);
        // a million steps would take hours: the refusal has to come before the first one, and before the run folder
        string err = CliRunner.Fails("forecast", "train", "--csv", csv, "--target", "y", "--context", "24", "--horizon", "6", "--model", "gru",
                                     "--hidden-size", "4", "--steps", "1000000", "--valid-fraction", "0", "--out", run, "--blend-linear-ar", "auto");
        Assert.Equal("error: --blend-linear-ar: no validation windows to choose the autoregression on (raise --valid-fraction)", err.Trim());
        Assert.False(Directory.Exists(run));
        foreach (var bad in new[] { "1.5", "-0.1", "abc" })
            Assert.Equal($"error: --blend-linear-ar: '{bad}' is not off, auto or a weight in [0, 1]",
                         CliRunner.Fails("forecast", "train", "--csv", csv, "--target", "y", "--steps", "1000000", "--out", run, "--blend-linear-ar", bad).Trim());
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Train_with_a_linear_ar_blend_then_predict_reproduces_it()
    {
        using var dir = new TempDir();
        var (csv, run) = SeasonalRun(dir);
        var r = CliRunner.Ok("forecast", "train", "--csv", csv, "--target", "y", "--context", "24", "--horizon", "6", "--model", "gru",
                             "--hidden-size", "4", "--steps", "10", "--valid-every", "5", "--batch-size", "16", "--out", run, "--blend-linear-ar", "auto");
        Assert.Contains("(weight and AR chosen on the validation windows)", r.Stdout);
        var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))).RootElement;
        var b = metrics.GetProperty("blend_linear_ar")[0];
        double w = b.GetProperty("network_weight").GetDouble();
        Assert.InRange(w, 0, 1);
        Assert.True(b.GetProperty("valid_mase_blend").GetDouble() <= b.GetProperty("valid_mase_network").GetDouble() + 1e-12);
        Assert.Equal(b.GetProperty("valid_mase_blend").GetDouble(), metrics.GetProperty("valid_mase").GetDouble(), 3);
        // predict from the file gives the run's own test forecast for the same window
        var testCsv = File.ReadAllLines(Path.Combine(run, "test-forecast.csv"));
        int testStart = 200 - 40;                                              // the test part starts at row 160; its first window's context is rows 136…159
        var head = File.ReadAllLines(csv).Take(1 + testStart);
        string cut = dir.Write("cut.csv", string.Join("\n", head) + "\n");
        string outCsv = dir.File("fc.csv");
        CliRunner.Ok("forecast", "predict", "--model", run, "--csv", cut, "--output", outCsv);
        Assert.Equal(testCsv[1], File.ReadAllLines(outCsv)[1]);
    }

    [Fact]
    public void User_mistakes_are_one_line()
    {
        using var dir = new TempDir();
        string csv = dir.Write("s.csv", "time,y\n2000-01,1\n2000-02,\n2000-03,3\n");
        Assert.Equal($"error: {csv}:3: missing value in column 'y' (use --fill-missing interpolate to fill gaps)",
                     CliRunner.Fails("forecast", "train", "--csv", csv, "--target", "y", "--out", dir.File("r")));
        Assert.StartsWith("error: --target: ", CliRunner.Fails("forecast", "train", "--csv", csv, "--target", "nope", "--out", dir.File("r")));
        Assert.StartsWith("error: --model: unknown model 'cnn'", CliRunner.Fails("forecast", "train", "--csv", csv, "--target", "y", "--model", "cnn"));
        Assert.Contains("no training windows", CliRunner.Fails("forecast", "train", "--csv", csv, "--target", "y", "--fill-missing", "interpolate",
                                                                "--out", dir.File("r"), "--valid-fraction", "0", "--test-fraction", "0"));
        string junk = dir.Write("m.safetensors", "junk");
        Assert.StartsWith($"error: {junk}: ", CliRunner.Fails("forecast", "predict", "--model", junk, "--csv", csv));
    }

    [Fact]
    public void The_sunspots_preset_uses_square_roots_and_every_preset_chooses_its_ar_blend_on_validation()
    {
        var sun = EncDec.Cli.Commands.ForecastDemo.Job(EncDec.Cli.Commands.ShippedSeries.Sunspots, "o", 1, 2.5, quick: false);
        Assert.Equal(EncDec.TimeSeries.SeriesTransform.Sqrt, sun.Spec.Transform);
        Assert.Equal(1, sun.Training.Ensemble);
        Assert.Equal(EncDec.TimeSeries.ArBlendMode.Auto, sun.Training.BlendLinearAr);
        foreach (var other in new[] { EncDec.Cli.Commands.ShippedSeries.Co2, EncDec.Cli.Commands.ShippedSeries.Elnino })
        {
            var job = EncDec.Cli.Commands.ForecastDemo.Job(other, "o", 1, 2.5, quick: false);
            Assert.Equal(EncDec.TimeSeries.SeriesTransform.None, job.Spec.Transform);
            Assert.Equal(1, job.Training.Ensemble);
            Assert.Equal(EncDec.TimeSeries.ArBlendMode.Auto, job.Training.BlendLinearAr);   // the validation windows decide its weight (CO₂: 1, the network alone)
        }
    }

    [Fact]
    public void Demo_quick_on_a_shipped_series()
    {
        using var dir = new TempDir();
        var r = CliRunner.Ok("demo", "--task", "sunspots", "--quick", "--out", dir.Path);
        Assert.Contains("sunspots.csv: 309 rows (1700 … 2008)", r.Stdout);
        Assert.Contains("test: the last 62 rows", r.Stdout);
        Assert.True(File.Exists(Path.Combine(dir.Path, "data.csv")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "model.safetensors")));
        Assert.Contains("blend sunactivity: ", r.Stdout);
    }
}
