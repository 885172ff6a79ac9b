using System.CommandLine;
using System.Globalization;
using EncDec.Data;
using EncDec.IO;
using EncDec.Optim;
using EncDec.Training;

namespace EncDec.Cli;

/// <summary>
/// <c>encdec prune --model RUN --train-src F --train-tgt F --sparsity 0.5 [--structured heads,ffn] --steps N --out RUN2</c>:
/// fine-tunes a trained model with cross-entropy while magnitude pruning it (<see cref="MagnitudePruner"/>) along the cubic
/// schedule of Zhu &amp; Gupta (<see cref="CubicSparsitySchedule"/>: from 0 to the target over the first 3/4 of the steps,
/// then the rest at the target), the masks applied again after every optimizer step; into its own resumable run folder
/// with the checkpoints and metrics of <c>train</c>. Without <c>--structured</c> the pruning is global and unstructured.
/// </summary>
internal static class PruneCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Trained run folder or model file to prune", Required = true };
        var trainSrc = new Option<string>("--train-src") { Description = "Training source file", Required = true };
        var trainTgt = new Option<string>("--train-tgt") { Description = "Training target file", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder of the pruned model (resumed when it has checkpoints)", Required = true };
        var sparsity = new Option<double>("--sparsity") { Description = "Final share of weights (or heads / FFN neurons) removed, in [0, 1)", DefaultValueFactory = _ => 0.5 };
        var structured = new Option<string?>("--structured") { Description = "heads, ffn or heads,ffn: remove whole attention heads / FFN neurons instead of single weights" };
        var steps = new Option<long>("--steps") { Description = "Fine-tuning steps (pruning ramps up over the first 3/4)", DefaultValueFactory = _ => 200 };
        var lr = new Option<double>("--lr") { Description = "Learning rate (constant, Adam)", DefaultValueFactory = _ => 1e-4 };
        var batch = new Option<int>("--batch-size") { Description = "Sentence pairs per batch", DefaultValueFactory = _ => 32 };
        var ckptEvery = new Option<int>("--checkpoint-every") { Description = "Checkpoint every N steps", DefaultValueFactory = _ => 50 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of batching and dropout", DefaultValueFactory = _ => 1UL };
        var cmd = new Command("prune", "Fine-tune a trained model while magnitude pruning it to a target sparsity (unstructured, or heads/FFN neurons).")
        { model, trainSrc, trainTgt, output, sparsity, structured, steps, lr, batch, ckptEvery, seed };
        cmd.SetAction((r, ct) => Task.FromResult(Run(new Options(r.GetValue(model)!, r.GetValue(trainSrc)!, r.GetValue(trainTgt)!, r.GetValue(output)!,
            r.GetValue(sparsity), Kinds(r.GetValue(structured)), r.GetValue(steps), r.GetValue(lr), r.GetValue(batch), r.GetValue(ckptEvery), r.GetValue(seed)), stdout, ct)));
        return cmd;
    }

    internal sealed record Options(string Model, string TrainSrc, string TrainTgt, string Out, double Sparsity, IReadOnlyList<PruningKind> Kinds,
                                   long Steps, double Lr, int BatchSize, int CheckpointEvery, ulong Seed);

    /// <summary>The kinds named by <c>--structured</c> (unstructured without it).</summary>
    internal static IReadOnlyList<PruningKind> Kinds(string? structured)
    {
        if (string.IsNullOrWhiteSpace(structured)) return [PruningKind.Unstructured];
        var kinds = new List<PruningKind>();
        foreach (var part in structured.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var k = part.ToLowerInvariant() switch
            {
                "heads" => PruningKind.Heads, "ffn" => PruningKind.Ffn,
                _ => throw new UserInputException($"--structured: '{part}' is not heads or ffn"),
            };
            if (!kinds.Contains(k)) kinds.Add(k);
        }
        return kinds;
    }

    internal static int Run(Options o, TextWriter stdout, CancellationToken cancel)
    {
        if (!(o.Sparsity >= 0 && o.Sparsity < 1)) throw new UserInputException($"--sparsity must be in [0, 1), got {o.Sparsity.ToString(CultureInfo.InvariantCulture)}");
        if (o.Steps < 1) throw new UserInputException($"--steps must be at least 1, got {o.Steps}");
        if (!(o.Lr > 0) || double.IsInfinity(o.Lr)) throw new UserInputException($"--lr must be positive, got {o.Lr.ToString(CultureInfo.InvariantCulture)}");
        if (o.BatchSize < 1) throw new UserInputException($"--batch-size must be at least 1, got {o.BatchSize}");
        if (File.Exists(o.Out)) throw new UserInputException(o.Out, null, "--out: is a file, not a run folder");
        var ui = new Ui(stdout);
        var start = ModelStore.LoadSeq2Seq(o.Model);
        if (start.Model is not Models.EncoderDecoder) throw new UserInputException(start.Path, null, "--model: only encoder-decoder models can be pruned");
        foreach (var k in o.Kinds) _ = new MagnitudePruner(start.Model, k);   // refuses heads/ffn for an RNN before any work
        var (src, tgt) = (start.SourceTokenizer, start.TargetTokenizer);
        int maxTokens = start.Config.MaxPositions - 2;
        var filter = new LengthFilter { MinTokens = 1, MaxSrcTokens = maxTokens, MaxTgtTokens = maxTokens };
        var train = Examples.Tokenize(ParallelCorpus.FromFiles(o.TrainSrc, o.TrainTgt).ToList(), src, tgt, filter, new FilterStats()).ToList();
        if (train.Count == 0) throw new UserInputException(o.TrainSrc, null, "no training pair fits the model");
        string what = string.Join(",", o.Kinds.Select(k => k.ToString().ToLowerInvariant()));
        ui.Line(string.Create(CultureInfo.InvariantCulture, $"pruning {start.Path} (step {start.Step}) to {100 * o.Sparsity:F0}% sparsity ({what}) over {o.Steps} steps; {train.Count} training pairs"));

        CliPaths.CreateRunFolder(o.Out, "--out");
        using var stop = new StopSignals(cancel, stdout);
        using var runLock = RunLock.Acquire(o.Out, ui.Line);
        stop.BeforeImmediateExit = runLock.Release;
        var resumeFrom = RunFolder.FindResumable(o.Out, w => ui.Line("warning: " + w));
        var settings = new Dictionary<string, string>
        {
            ["prune_kind"] = what, ["prune_sparsity"] = o.Sparsity.ToString("R", CultureInfo.InvariantCulture), ["prune_steps"] = o.Steps.ToString(CultureInfo.InvariantCulture),
        };
        if (resumeFrom is not null) RunFolder.CheckCompatible(resumeFrom, start.Config.ToJson(), settings);
        src.Save(Path.Combine(o.Out, "source.tokenizer.json")); tgt.Save(Path.Combine(o.Out, "target.tokenizer.json"));
        var options = new TrainerOptions
        {
            MaxSteps = o.Steps, Seed = o.Seed, ClipNorm = 1.0, LabelSmoothing = 0f,
            Optimizer = new OptimizerOptions(OptimizerKind.Adam, o.Lr, Beta2: 0.98),
            Schedule = new LrScheduleConfig(LrScheduleKind.Constant, o.Lr),
            ValidEvery = 0, CheckpointEvery = o.CheckpointEvery, LogEvery = 10,
        };
        var schedule = new CubicSparsitySchedule(o.Sparsity, Math.Max(1, o.Steps * 3 / 4));
        var startWeights = start.Model.StateDict();
        var pruners = new List<MagnitudePruner>();
        var job = new TrainJob(o.Out, start.Config, options, new BatcherOptions { BatchSize = o.BatchSize, Shuffle = true }, train, null, null, src, tgt)
        {
            ResumeFrom = resumeFrom, Settings = settings,
            Initialize = m => { m.LoadStateDict(startWeights); pruners.AddRange(o.Kinds.Select(k => new MagnitudePruner(m, k))); },
            OnStep = s => { foreach (var p in pruners) p.Apply(schedule.At(s.Step)); },
        };
        var run = TrainRun.Run(ui, job, stop.Token);
        foreach (var (p, k) in pruners.Zip(o.Kinds))
            ui.Line(string.Create(CultureInfo.InvariantCulture, $"{k.ToString().ToLowerInvariant()}: {100 * p.Sparsity:F1}% of {p.Units:N0} pruned"));
        if (!o.Kinds.Contains(PruningKind.Unstructured) && run.Result.Reason != StopReason.Cancelled && run.Model is Models.EncoderDecoder pruned)
        {
            // the pruned heads and neurons are removed from the matrices: a smaller, faster model computing the same function
            long before = pruned.ParameterCount;
            var (small, smallConfig) = StructuredShrinker.Shrink(pruned, start.Config);
            ModelStore.Save(run.ModelPath, small, smallConfig, src, tgt, run.Result.Steps);
            ui.Line(string.Create(CultureInfo.InvariantCulture,
                $"shrunk: {small.ParameterCount:N0} parameters (was {before:N0}); {run.ModelPath} holds the smaller model"));
        }
        return TrainRun.Report(ui, run, stop);
    }
}
