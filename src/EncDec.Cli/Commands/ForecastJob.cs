using System.Globalization;
using System.Text.Json;
using EncDec.Tensors;
using EncDec.TimeSeries;

namespace EncDec.Cli.Commands;

/// <summary>Everything <c>encdec forecast train</c> (and the forecasting demos) need: data, model, training and output.</summary>
internal sealed record ForecastJob(string Csv, ForecastSpec Spec, MissingValuePolicy Missing, ForecastConfig Model,
                                   ForecastTrainOptions Training, string Out, string? DisplayName = null);

/// <summary>Runs a <see cref="ForecastJob"/>: reads and prepares the series, trains, evaluates on the test part beside the
/// baselines, writes the run folder (model.safetensors, report.txt, metrics.json, test-forecast.csv, forecast.svg).</summary>
internal static class ForecastRunner
{
    /// <summary>The trained members (one unless <see cref="ForecastTrainOptions.Ensemble"/> &gt; 1), the series, the test and validation reports and the first member's training.</summary>
    public sealed record Outcome(IReadOnlyList<ForecastModel> Models, PreparedSeries Series, ForecastReport Report, ForecastReport? ValidReport, ForecastTrainResult Result,
                                 LinearArBlend? Blend = null)
    {
        /// <summary>The first member.</summary>
        public ForecastModel Model => Models[0];
    }

    public static Outcome Run(ForecastJob job, TextWriter stdout, CancellationToken cancel)
    {
        var read = TimeSeriesCsv.Read(job.Csv, job.Spec.TimeColumn, job.Spec.Targets.Concat(job.Spec.CovariateColumns).ToArray(), job.Missing);
        return Run(job, read, stdout, cancel);
    }

    public static Outcome Run(ForecastJob job, CsvReadResult read, TextWriter stdout, CancellationToken cancel)
    {
        var s = PreparedSeries.Prepare(read.Frame, job.Spec);
        // refused before any training: the blend is chosen on the validation windows after it
        if (job.Training.BlendLinearAr != ArBlendMode.Off && s.ValidStarts.Length == 0)
            throw new UserInputException("--blend-linear-ar: no validation windows to choose the autoregression on (raise --valid-fraction)");
        CliPaths.CreateRunFolder(job.Out, "--out");
        if (read.FilledValues > 0) stdout.WriteLine(read.Describe());
        var cfg = job.Model with { Targets = job.Spec.Targets.Count, Covariates = s.CovariateCount, Context = job.Spec.Windows.Context, Horizon = job.Spec.Windows.Horizon };
        cfg.Validate();
        var name = job.DisplayName ?? Path.GetFileName(job.Csv);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {s.Frame.Length} rows ({s.Frame.Times[0]} … {s.Frame.Times[^1]}), train {s.Split.TrainEnd} / valid {s.Split.ValidEnd - s.Split.TrainEnd} / test {s.Split.Length - s.Split.ValidEnd} rows in time order; " +
            $"{s.TrainStarts.Length} training windows (context {cfg.Context}, horizon {cfg.Horizon}), season {s.Season}, calendar {CliEnum.Name(s.Spec.Calendar)}"));
        int members = job.Training.Ensemble;
        if (members < 1) throw new UserInputException($"--ensemble: must be at least 1 (got {members})");
        var model = new ForecastModel(cfg, new Rng(job.Training.Seed));
        stdout.WriteLine($"model {CliEnum.Name(cfg.Architecture)} hidden {cfg.HiddenSize} layers {cfg.Layers}, output {CliEnum.Name(cfg.Output)}" +
                         (cfg.Output == ForecastOutput.Quantile ? " " + string.Join(",", cfg.Quantiles.Select(q => q.ToString(CultureInfo.InvariantCulture))) : "") +
                         $", {model.ParameterCount:N0} parameters" + (members > 1 ? $" × {members} ensemble members (median of their outputs)" : "") +
                         (s.Spec.Transform != SeriesTransform.None ? $", targets transformed {CliEnum.Name(s.Spec.Transform)}" : ""));
        var models = new List<ForecastModel>();
        ForecastTrainResult? first = null;
        for (int i = 0; i < members; i++)
        {
            if (i > 0) model = new ForecastModel(cfg, new Rng(job.Training.Seed + (ulong)i));
            var opts = job.Training with { Seed = job.Training.Seed + (ulong)i, MaxSeconds = job.Training.MaxSeconds / members };
            var trainer = new ForecastTrainer(model, s.Data, s.TrainStarts, s.ValidStarts, opts)
            {
                Validated = members > 1 ? null : v => stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  step {v.Step,5}: valid loss {v.Loss:0.0000}{(v.Best ? " *" : "")}")),
            };
            var r = trainer.Train(cancel);
            if (i == 0 && double.IsFinite(trainer.SkipRidge))
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"linear skip: ridge least squares on the training windows (λ = {trainer.SkipRidge:g2}, chosen on the validation windows), held fixed"));
            first ??= r;
            models.Add(model);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(members > 1 ? $"member {i + 1}/{members} (seed {opts.Seed}): " : "")}trained {r.Steps} steps in {r.Seconds:0.0} s ({r.StopReason}); best valid loss {r.BestValidLoss:0.0000}"));
            if (r.StopReason == "cancelled") break;
        }
        var result = first!;
        LinearArBlend? blend = null;
        if (job.Training.BlendLinearAr != ArBlendMode.Off)
        {
            blend = LinearArBlend.Choose(models, s, job.Training.BlendLinearAr == ArBlendMode.Fixed ? job.Training.BlendWeight : null);
            stdout.WriteLine(blend.Describe(s.Spec.Targets) + (job.Training.BlendLinearAr == ArBlendMode.Auto ? " (weight and AR chosen on the validation windows)" : ""));
        }
        ForecastReport? valid = null;
        if (s.ValidStarts.Length > 0)
        {
            valid = ForecastEvaluation.Evaluate(models, s, SplitPart.Valid, blend);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"valid: MASE {valid.Get(ForecastEvaluation.ModelMethod).Mase:0.000} (linear AR {valid.Get(ForecastEvaluation.ArMethod).Mase:0.000}, seasonal naive {valid.Get(ForecastEvaluation.SeasonalMethod).Mase:0.000}) on {valid.Windows} validation windows — the rows settings are chosen on"));
        }
        var report = ForecastEvaluation.Evaluate(models, s, blend: blend);
        stdout.WriteLine($"test: the last {s.Split.Length - s.Split.ValidEnd} rows (never seen in training)");
        stdout.WriteLine(report.Format());
        Write(job, models, s, report, valid, result, blend);
        stdout.WriteLine($"run folder: {job.Out} (model.safetensors, report.txt, metrics.json, test-forecast.csv, test-forecast.svg)");
        return new Outcome(models, s, report, valid, result, blend);
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static void Write(ForecastJob job, IReadOnlyList<ForecastModel> models, PreparedSeries s, ForecastReport report, ForecastReport? valid, ForecastTrainResult result, LinearArBlend? blend)
    {
        var model = models[0];
        ForecastStore.Save(Path.Combine(job.Out, "model.safetensors"), models, s, blend);
        AtomicFile.WriteAllText(Path.Combine(job.Out, "report.txt"), report.Format() + "\n");
        var metrics = new
        {
            csv = job.Csv, steps = result.Steps, seconds = result.Seconds, stop = result.StopReason,
            best_valid_loss = double.IsFinite(result.BestValidLoss) ? result.BestValidLoss : (double?)null,
            season = report.Season, windows = report.Windows, interval_level = report.IntervalLevel, members = models.Count,
            transform = CliEnum.Name(s.Spec.Transform),
            valid_mase = valid is null ? null : Finite(valid.Get(ForecastEvaluation.ModelMethod).Mase),
            blend_linear_ar = blend?.Targets.Select((p, j) => new
            {
                target = s.Spec.Targets[j], network_weight = p.Weight, ar_order = p.Order, ar_units = CliEnum.Name(p.Space),
                valid_mase_network = Finite(p.ValidMaseNetwork), valid_mase_ar = Finite(p.ValidMaseAr), valid_mase_blend = Finite(p.ValidMaseBlend),
            }),
            rows = report.Rows.Select(r => new { method = r.Method, target = r.Target, mae = Finite(r.Scores.Mae), rmse = Finite(r.Scores.Rmse), smape = Finite(r.Scores.Smape), mase = Finite(r.Scores.Mase), coverage = r.Scores.Coverage }),
        };
        AtomicFile.WriteAllText(Path.Combine(job.Out, "metrics.json"), JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        // the forecast from the start of the test part (one window, horizon steps), written and plotted
        int start = s.TestStarts.Length > 0 ? s.TestStarts[0] : s.ValidStarts.LastOrDefault();
        var pred = ForecastPrediction.Run(models, s.Data, s.Scaler, new[] { start }, blend: blend);
        var times = s.Frame.Times.Skip(start + model.Config.Context).Take(model.Config.Horizon).ToArray();
        ForecastOutputFiles.WriteCsv(Path.Combine(job.Out, "test-forecast.csv"), s.Spec.Targets, times, pred, 0);
        ForecastOutputFiles.WriteSvg(Path.Combine(job.Out, "test-forecast.svg"), s, start + model.Config.Context, times, pred, 0, actualFuture: true);
    }
}
