using System.Globalization;
using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Pipelines;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Cli;

/// <summary>Everything a training run produced.</summary>
internal sealed record TrainRunResult(Seq2SeqModule Model, TrainResult Result, string ModelPath, double Seconds, long Parameters);

/// <summary>What one training run into a run folder needs.</summary>
/// <param name="ValidReferences">The untokenised reference line of each validation example (scored as <c>encdec eval</c> does).</param>
internal sealed record TrainJob(string OutDir, ModelConfig Config, TrainerOptions Options, BatcherOptions Batching,
                                IReadOnlyList<Example> Train, IReadOnlyList<Example>? Valid, IReadOnlyList<string>? ValidReferences,
                                ITokenizer Source, ITokenizer Target)
{
    /// <summary>The checkpoint to continue from (null = a new run).</summary>
    public ResumePoint? ResumeFrom { get; init; }
    /// <summary>Runs on the freshly built model before training (e.g. loads a pretrained encoder; a resumed run then
    /// loads its own weights over it).</summary>
    public Action<Nn.Module>? Initialize { get; init; }
    /// <summary>Settings stored in every checkpoint and checked on resume (see <see cref="RunFolder.CheckCompatible"/>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
    /// <summary>Average the last K rotating checkpoints at the end and keep the average when it validates better (0 = no).</summary>
    public int AverageLast { get; init; }
    /// <summary>Called after each step, once its metrics line (if any) is written (for observers and tests).</summary>
    public Action<StepInfo>? OnStep { get; init; }
    /// <summary>Data-parallel group of a <c>--distributed</c> run (null = this process alone).</summary>
    public Training.IDataParallel? DataParallel { get; init; }
    /// <summary>A sequence-level objective to train with instead of cross-entropy (<c>encdec finetune</c>), made for the built model.</summary>
    public Func<Models.Seq2SeqModule, IBatchObjective>? Objective { get; init; }
    /// <summary>False on the ranks other than 0 of a distributed run: they train but write nothing.</summary>
    public bool WritesFiles { get; init; } = true;
}

/// <summary>
/// One training run into a run folder, shared by <c>demo</c> and <c>train</c>: builds (or resumes) the model and
/// trainer, shows progress, appends to metrics.jsonl as it goes, and writes model.safetensors, config.json, loss.svg
/// and valid.hyp (the latest validation's greedy output).
/// </summary>
internal static class TrainRun
{
    public static TrainRunResult Run(Ui ui, TrainJob job, CancellationToken cancel)
    {
        string outDir = job.OutDir;
        var options = job.Options;
        bool writes = job.WritesFiles;
        if (writes) Directory.CreateDirectory(outDir);
        var model = ModelFactory.BuildTrainable(job.Config);
        job.Initialize?.Invoke(model);   // e.g. a pretrained encoder (a resumed run then loads its own weights over it)
        var validPoints = new List<(long, double)>();
        var valid = job.Valid is { Count: > 0 } v0 ? v0 : null;
        string validHyp = Path.Combine(outDir, RunFolder.ValidHypFile);
        var tgt = job.Target;
        using var log = writes ? new MetricsLog(Path.Combine(outDir, RunFolder.MetricsFile)) : null;
        var trainer = new Trainer(model, options, job.Train, valid, job.Batching)
        {
            RunDirectory = writes ? outDir : null,
            DataParallel = job.DataParallel,
            Objective = job.Objective?.Invoke(model),
            CheckpointStore = SafeTensorsCheckpointStore.Instance,
            ConfigJson = job.Config.ToJson(),
            Vocabularies = new Dictionary<string, string> { [ModelStore.SourceVocab] = job.Source.ToJson(), [ModelStore.TargetVocab] = tgt.ToJson() },
            ExtraMetadata = job.Settings,
            Validation = new Seq2SeqPipeline(job.Source, tgt).Validation(model, options.ValidMaxLength, writes ? validHyp : null),
            ValidationReferences = valid is null ? null : job.ValidReferences,
        };
        bool firstStep = true;
        trainer.StepCompleted += s =>
        {
            if (firstStep || s.Step % Math.Max(options.LogEvery, 1) == 0 || s.Skipped || s.Step == options.MaxSteps) log?.Step(s);
            firstStep = false;
            job.OnStep?.Invoke(s);
        };
        trainer.Validated += v => { validPoints.Add((v.Step, v.Loss)); log?.Validation(v); };
        trainer.Warning += w => { ui.Line("warning: " + w); log?.Warning(w); };

        if (job.ResumeFrom is { } from)
        {
            trainer.Resume(from.Snapshot);
            ui.Line($"resuming from {from.Path} (step {trainer.Step})");
        }
        if (writes) AtomicFile.WriteAllText(Path.Combine(outDir, "config.json"), job.Config.ToJson());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = ui.TrainWithProgress(trainer, options.MaxSteps, options.LogEvery, () => trainer.Train(cancel));
        double seconds = clock.Elapsed.TotalSeconds;
        if (result.Reason == StopReason.Diverged)
        {
            if (writes) StopDiverged(outDir, result, log!, validPoints);
            throw new UserInputException($"training diverged: {result.Detail}");
        }
        var modelPath = Path.Combine(outDir, RunFolder.ModelFile);
        if (!writes) { model.Eval(); return new TrainRunResult(model, result, modelPath, seconds, model.ParameterCount); }

        // The final model: the best validated weights of the run when there are any (or their average, when asked
        // for and better), else the last.
        var bestPath = Path.Combine(outDir, RunFolder.BestFile);
        bool averaged = job.AverageLast > 0 && result.Reason != StopReason.Cancelled && AverageIfBetter(ui, trainer, model, job, log!);
        if (!averaged && valid is not null && File.Exists(bestPath))
            model.LoadStateDict(SafeTensorsCheckpointStore.Instance.Load(bestPath).Model);
        ModelStore.Save(modelPath, model, job.Config, job.Source, tgt, result.Steps);
        AtomicFile.WriteAllText(Path.Combine(outDir, "loss.svg"), LossPlot.RenderSvg(result.Losses, validPoints));
        model.Eval();
        return new TrainRunResult(model, result, modelPath, seconds, model.ParameterCount);
    }

    /// <summary>The last lines of a training command (how the run ended, where the model is) and its exit code.</summary>
    public static int Report(Ui ui, TrainRunResult run, StopSignals stop)
    {
        if (run.Result.Reason == StopReason.Cancelled && stop.SignalName is { } signal)
        {
            ui.Line($"stopped by {signal} at step {run.Result.Steps}; checkpoint {run.Result.LastCheckpoint}; run the same command to resume");
            return stop.ExitCode;
        }
        ui.Line($"done: {run.Result.Steps} steps ({run.Result.Reason}); model: {run.ModelPath}");
        if (run.Result.BestValidation is { } b) ui.Line("best " + Ui.FormatValidation(b));
        return 0;
    }

    /// <summary>
    /// A diverged run ends with an error naming what happened and the last good checkpoint, which is kept; no model file is
    /// written from the diverged weights.
    /// </summary>
    private static void StopDiverged(string outDir, TrainResult result, MetricsLog log, List<(long, double)> validPoints)
    {
        log.Append(new { type = "diverged", step = result.Steps, message = result.Detail });
        AtomicFile.WriteAllText(Path.Combine(outDir, "loss.svg"), LossPlot.RenderSvg(result.Losses, validPoints));
        string kept = LatestCheckpoint(outDir) is { } last ? $"the last good checkpoint {last} is kept" : "no checkpoint was written before it";
        throw new UserInputException(outDir, null,
            $"training diverged: {result.Detail}; {kept}; lower --lr (or raise --warmup, set --clip-norm) and run again");
    }

    /// <summary>
    /// Loads the average of the last K checkpoints into <paramref name="model"/> and validates it; keeps it (returns true)
    /// when it beats the best validation by the run's best metric, or when there is nothing to compare with. False leaves
    /// the average loaded: the caller replaces it with the best checkpoint.
    /// </summary>
    private static bool AverageIfBetter(Ui ui, Trainer trainer, Module model, TrainJob job, MetricsLog log)
    {
        var all = RunFolder.Checkpoints(job.OutDir);
        var last = all.Skip(Math.Max(0, all.Count - job.AverageLast)).ToList();
        if (last.Count < 2)
        {
            ui.Line($"average_last {job.AverageLast}: only {last.Count} checkpoint in {Path.Combine(job.OutDir, RunFolder.CheckpointsDir)}, nothing to average");
            return false;
        }
        model.LoadStateDict(CheckpointAverager.Average(last));
        string what = $"the average of the last {last.Count} checkpoints";
        if (job.Valid is not { Count: > 0 })
        {
            ui.Line($"model.safetensors: {what} (no validation set to compare it with)");
            return true;
        }
        var metric = job.Options.BestMetric;
        var info = trainer.Evaluate();
        log.Append(new { type = "average", step = info.Step, checkpoints = last.Count, loss = info.Loss, ppl = info.Perplexity, bleu = info.Bleu, chrf = info.ChrF, exact_match = info.ExactMatch });
        double? best = trainer.BestScore;
        bool better = best is null || info.Score(metric) < best.Value;
        ui.Line($"{what}: valid {MetricName(metric)} {Show(info.Score(metric), metric)}, best checkpoint {(best is { } b ? Show(b, metric) : "-")}; "
                + $"model.safetensors holds {(better ? "the averaged weights" : "the best checkpoint")}");
        return better;   // when false the caller loads best.safetensors over the average (a run with a best score has that file)
    }

    private static string MetricName(ValidationMetric m) => m switch { ValidationMetric.Bleu => "bleu", ValidationMetric.ExactMatch => "exact match", ValidationMetric.ChrF => "chrF", _ => "loss" };

    /// <summary>A score of <see cref="ValidationInfo.Score"/> in the metric's own units (BLEU back to positive).</summary>
    private static string Show(double score, ValidationMetric m) => m == ValidationMetric.Loss ? F(score, "F4") : F(-score, "F2");

    public static string? LatestCheckpoint(string outDir) => RunFolder.Checkpoints(outDir).LastOrDefault();

    public static string F(double v, string fmt = "F2") => v.ToString(fmt, CultureInfo.InvariantCulture);
}
