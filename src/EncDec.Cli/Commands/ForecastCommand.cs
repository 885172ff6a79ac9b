using System.CommandLine;
using System.Globalization;
using EncDec.TimeSeries;

namespace EncDec.Cli.Commands;

/// <summary><c>encdec forecast train|predict</c>: time-series encoder-decoders on CSV files.</summary>
internal static class ForecastCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("forecast", "Time-series forecasting: train an encoder-decoder on a CSV series, forecast with it.");
        cmd.Add(BuildTrain(stdout));
        cmd.Add(BuildPredict(stdout));
        return cmd;
    }

    private static Command BuildTrain(TextWriter stdout)
    {
        var csv = new Option<string>("--csv") { Description = "CSV file: a header row, a time column and value columns", Required = true };
        var time = new Option<string>("--time-column") { Description = "Name of the time column (yyyy-MM-dd, yyyy-MM or numbers)", DefaultValueFactory = _ => "time" };
        var target = new Option<string>("--target") { Description = "Column(s) to forecast, comma-separated (several: multivariate)", Required = true };
        var covariates = new Option<string>("--covariates") { Description = "Known-in-advance covariate columns, comma-separated", DefaultValueFactory = _ => "" };
        var calendar = new Option<string>("--calendar") { Description = "Calendar features as known-future inputs: annual|none (annual is skipped for yearly or numeric stamps)", DefaultValueFactory = _ => "annual" };
        var context = new Option<int>("--context") { Description = "Observed steps per window", DefaultValueFactory = _ => 104 };
        var horizon = new Option<int>("--horizon") { Description = "Steps to forecast", DefaultValueFactory = _ => 26 };
        var stride = new Option<int>("--stride") { Description = "Steps between training windows", DefaultValueFactory = _ => 1 };
        var season = new Option<int>("--season") { Description = "Seasonal period for MASE and the seasonal-naive baseline (0: from the time stamps)", DefaultValueFactory = _ => 0 };
        var validF = new Option<double>("--valid-fraction") { Description = "Share of rows before the test part used for validation", DefaultValueFactory = _ => 0.1 };
        var testF = new Option<double>("--test-fraction") { Description = "Share of rows at the end held out for testing", DefaultValueFactory = _ => 0.2 };
        var missing = new Option<string>("--fill-missing") { Description = "Missing values: error (report the line) | interpolate (linear in time, lines reported)", DefaultValueFactory = _ => "error" };
        var model = new Option<string>("--model") { Description = "lstm|gru|transformer", DefaultValueFactory = _ => "lstm" };
        var output = new Option<string>("--output") { Description = "quantile (pinball loss) | point (MAE/MSE) | gaussian (NLL)", DefaultValueFactory = _ => "quantile" };
        var loss = new Option<string>("--loss") { Description = "Loss of a point output: mae|mse", DefaultValueFactory = _ => "mae" };
        var quantiles = new Option<string>("--quantiles") { Description = "Quantile levels of a quantile output", DefaultValueFactory = _ => "0.1,0.5,0.9" };
        var hidden = new Option<int>("--hidden-size") { Description = "Recurrent state / d_model", DefaultValueFactory = _ => 64 };
        var layers = new Option<int>("--layers") { Description = "Encoder and decoder layers", DefaultValueFactory = _ => 1 };
        var heads = new Option<int>("--heads") { Description = "Attention heads (transformer)", DefaultValueFactory = _ => 4 };
        var ffn = new Option<int>("--feed-forward") { Description = "Feed-forward width (transformer)", DefaultValueFactory = _ => 128 };
        var dropout = new Option<float>("--dropout") { Description = "Dropout", DefaultValueFactory = _ => 0.1f };
        var noSkip = new Option<bool>("--no-linear-skip") { Description = "Drop the linear context→horizon part beside the network" };
        var steps = new Option<int>("--steps") { Description = "Training steps", DefaultValueFactory = _ => 1500 };
        var batch = new Option<int>("--batch-size") { Description = "Windows per step", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate (AdamW, cosine decay)", DefaultValueFactory = _ => 3e-3 };
        var validEvery = new Option<int>("--valid-every") { Description = "Steps between validations", DefaultValueFactory = _ => 100 };
        var patience = new Option<int>("--patience") { Description = "Stop after this many validations without improvement (0: never)", DefaultValueFactory = _ => 6 };
        var minutes = new Option<double>("--max-minutes") { Description = "Stop training after this many minutes", DefaultValueFactory = _ => 2.8 };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation and batch order", DefaultValueFactory = _ => 1 };
        var forcing = new Option<double>("--teacher-forcing") { Description = "Share of batches trained teacher-forced; the rest feed back the model's own forecasts", DefaultValueFactory = _ => 0.5 };
        var transform = new Option<string>("--transform") { Description = "Variance-stabilising map of the targets before scaling: none|sqrt|log (sign(x)·√|x|, sign(x)·ln(1+|x|))", DefaultValueFactory = _ => "none" };
        var ensemble = new Option<int>("--ensemble") { Description = "Train this many models (seeds --seed, --seed+1, …; --max-minutes shared) and forecast with the median of their outputs", DefaultValueFactory = _ => 1 };
        var skipLevel = new Option<bool>("--skip-level") { Description = "The linear skip also reads each window's level, so it can revert to the series mean (an AR with intercept)" };
        var skipFit = new Option<string>("--skip-fit") { Description = "Linear skip part: trained (from zero, with the network) | least-squares (ridge fit on the training windows, then fixed; the network learns its residual)", DefaultValueFactory = _ => "trained" };
        var blendAr = new Option<string>("--blend-linear-ar") { Description = "Combine the network with a linear autoregression: off | auto (the network's weight and the AR chosen on the validation windows) | W (the network's weight, 0–1)", DefaultValueFactory = _ => "off" };
        var outDir = new Option<string>("--out") { Description = "Run folder", DefaultValueFactory = _ => Path.Combine("runs", "forecast") };
        var cmd = new Command("train", "Train a forecaster on a CSV series and score it on the held-out end of the series beside naive, seasonal-naive and linear-AR baselines.")
        { csv, time, target, covariates, calendar, context, horizon, stride, season, validF, testF, missing, model, output, loss, quantiles, hidden, layers, heads, ffn, dropout, noSkip, steps, batch, lr, validEvery, patience, minutes, seed, forcing, transform, ensemble, skipFit, skipLevel, blendAr, outDir };
        cmd.SetAction((r, ct) =>
        {
            var spec = new ForecastSpec
            {
                TimeColumn = r.GetValue(time)!,
                Targets = SplitList(r.GetValue(target)!, "--target"),
                CovariateColumns = r.GetValue(covariates)!.Length == 0 ? [] : SplitList(r.GetValue(covariates)!, "--covariates"),
                Calendar = CliEnum.Parse<CalendarFeatures>(r.GetValue(calendar)!, "--calendar", "calendar"),
                Windows = new WindowOptions(r.GetValue(context), r.GetValue(horizon), r.GetValue(stride)),
                ValidFraction = r.GetValue(validF), TestFraction = r.GetValue(testF), Season = r.GetValue(season),
                Transform = CliEnum.Parse<SeriesTransform>(r.GetValue(transform)!, "--transform", "transform"),
            };
            if (spec.Season < 0) throw new UserInputException("--season: must be 0 (automatic) or positive");
            var cfg = new ForecastConfig
            {
                Architecture = CliEnum.Parse<ForecastArchitecture>(r.GetValue(model)!, "--model", "model"),
                Output = CliEnum.Parse<ForecastOutput>(r.GetValue(output)!, "--output", "output"),
                PointLoss = CliEnum.Parse<PointLoss>(r.GetValue(loss)!, "--loss", "loss"),
                Quantiles = ParseQuantiles(r.GetValue(quantiles)!),
                HiddenSize = r.GetValue(hidden), Layers = r.GetValue(layers), Heads = r.GetValue(heads), FeedForward = r.GetValue(ffn),
                Dropout = r.GetValue(dropout), LinearSkip = !r.GetValue(noSkip), SkipLevel = r.GetValue(skipLevel),
            };
            var training = new ForecastTrainOptions
            {
                Steps = Positive(r.GetValue(steps), "--steps"), BatchSize = Positive(r.GetValue(batch), "--batch-size"), Lr = r.GetValue(lr),
                ValidEvery = Positive(r.GetValue(validEvery), "--valid-every"), Patience = r.GetValue(patience),
                MaxSeconds = r.GetValue(minutes) * 60, Seed = (ulong)r.GetValue(seed), TeacherForcing = r.GetValue(forcing),
                Ensemble = Positive(r.GetValue(ensemble), "--ensemble"),
                SkipFit = CliEnum.Parse<LinearSkipFit>(r.GetValue(skipFit)!, "--skip-fit", "fit"),
            };
            var (blendMode, blendWeight) = ParseBlend(r.GetValue(blendAr)!);
            training = training with { BlendLinearAr = blendMode, BlendWeight = blendWeight };
            if ((training.SkipFit == LinearSkipFit.LeastSquares || cfg.SkipLevel) && !cfg.LinearSkip)
                throw new UserInputException("--skip-fit least-squares and --skip-level need the linear skip (drop --no-linear-skip)");
            if (training.TeacherForcing is < 0 or > 1) throw new UserInputException($"--teacher-forcing: {training.TeacherForcing} is not in [0, 1]");
            var job = new ForecastJob(r.GetValue(csv)!, spec, CliEnum.Parse<MissingValuePolicy>(r.GetValue(missing)!, "--fill-missing", "policy"), cfg, training, r.GetValue(outDir)!);
            ForecastRunner.Run(job, stdout, ct);
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command BuildPredict(TextWriter stdout)
    {
        var model = new Option<string>("--model") { Description = "Run folder of `forecast train` (or its model.safetensors)", Required = true };
        var csv = new Option<string>("--csv") { Description = "CSV with the same columns; the forecast starts after its last row", Required = true };
        var output = new Option<string>("--output") { Description = "Forecast CSV to write (time, point forecast, interval bounds)", DefaultValueFactory = _ => "forecast.csv" };
        var plot = new Option<string>("--plot") { Description = "SVG plot of history, forecast and interval (default: the output with .svg)", DefaultValueFactory = _ => "" };
        var missing = new Option<string>("--fill-missing") { Description = "Missing values: error|interpolate", DefaultValueFactory = _ => "error" };
        var cmd = new Command("predict", "Forecast the steps after the end of a CSV series with a trained model; writes a CSV and an SVG plot.")
        { model, csv, output, plot, missing };
        cmd.SetAction(r =>
        {
            string outPath = r.GetValue(output)!;
            CliPaths.CheckOutputFile(outPath, "--output");
            string plotPath = r.GetValue(plot)!.Length > 0 ? r.GetValue(plot)! : Path.ChangeExtension(outPath, ".svg");
            CliPaths.CheckOutputFile(plotPath, "--plot");
            string path = r.GetValue(model)!;
            if (Directory.Exists(path)) path = Path.Combine(path, "model.safetensors");
            var (m, meta) = ForecastStore.LoadAll(path);
            var read = TimeSeriesCsv.Read(r.GetValue(csv)!, meta.Spec.TimeColumn, meta.Spec.Targets.Concat(meta.Spec.CovariateColumns).ToArray(),
                                          CliEnum.Parse<MissingValuePolicy>(r.GetValue(missing)!, "--fill-missing", "policy"));
            if (read.FilledValues > 0) stdout.WriteLine(read.Describe());
            int C = meta.Config.Context, H = meta.Config.Horizon;
            if (read.Frame.Length < C) throw new UserInputException(r.GetValue(csv)!, null, $"{read.Frame.Length} rows, but the model reads a context of {C}");
            var scaler = meta.TargetScaler();
            var cov = meta.CovariateMean is null ? null : new SeriesScaler(meta.CovariateMean, meta.CovariateStd!);
            // the split only matters for training; prepare with the saved scalers and H future rows of calendar features
            var s = PreparedSeries.Prepare(read.Frame, meta.Spec with { ValidFraction = 0, TestFraction = 0 }, scaler, cov, futureRows: H);
            int start = read.Frame.Length - C;
            var pred = ForecastPrediction.Run(m, s.Data, scaler, new[] { start }, withFuture: false, meta.Blend);
            var times = s.Axis.Extend(H);
            ForecastOutputFiles.WriteCsv(outPath, meta.Spec.Targets, times, pred, 0);
            ForecastOutputFiles.WriteSvg(plotPath, s, read.Frame.Length, times, pred, 0, actualFuture: false);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"forecast of {string.Join(", ", meta.Spec.Targets)} for {times[0]} … {times[^1]} ({H} steps) written to {outPath}; plot {plotPath}"));
            return 0;
        });
        return cmd;
    }

    internal static string[] SplitList(string s, string flag)
    {
        var parts = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new UserInputException($"{flag}: no column given");
        return parts;
    }

    /// <summary>--blend-linear-ar: off, auto or the network's weight in [0, 1].</summary>
    internal static (ArBlendMode Mode, double Weight) ParseBlend(string s)
    {
        string t = s.Trim().ToLowerInvariant();
        if (t == "off") return (ArBlendMode.Off, double.NaN);
        if (t == "auto") return (ArBlendMode.Auto, double.NaN);
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double w) && w >= 0 && w <= 1) return (ArBlendMode.Fixed, w);
        throw new UserInputException($"--blend-linear-ar: '{s}' is not off, auto or a weight in [0, 1]");
    }

    internal static float[] ParseQuantiles(string s)
    {
        var r = new List<float>();
        foreach (var p in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out float q))
                throw new UserInputException($"--quantiles: '{p}' is not a number");
            r.Add(q);
        }
        return r.ToArray();
    }

    private static int Positive(int v, string flag) => v >= 1 ? v : throw new UserInputException($"{flag}: must be at least 1 (got {v})");
}
