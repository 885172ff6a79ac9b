using System.CommandLine;
using System.Globalization;
using EncDec.Data;
using EncDec.IO;
using EncDec.Metrics;
using EncDec.Optim;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Cli;

/// <summary>Sentence-level rewards of <c>encdec finetune</c>.</summary>
internal enum RewardKind { Bleu, Chrf, Exact }

/// <summary>
/// <c>encdec finetune --model RUN --objective scst|mrt --reward bleu|chrf|exact …</c>: continues a trained encoder-decoder
/// with a sequence-level objective (<see cref="ScstObjective"/>, <see cref="MrtObjective"/>) on a parallel corpus, into
/// its own run folder with the checkpoints, metrics.jsonl, validation and resume of <c>train</c>.
/// </summary>
internal static class FinetuneCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Trained run folder or model file to start from", Required = true };
        var trainSrc = new Option<string>("--train-src") { Description = "Training source file", Required = true };
        var trainTgt = new Option<string>("--train-tgt") { Description = "Training target file", Required = true };
        var validSrc = new Option<string?>("--valid-src") { Description = "Validation source file" };
        var validTgt = new Option<string?>("--valid-tgt") { Description = "Validation target file" };
        var output = new Option<string>("--out") { Description = "Run folder of the fine-tuning (resumed when it has checkpoints)", Required = true };
        var objective = new Option<string>("--objective") { Description = "scst (self-critical REINFORCE, greedy baseline) | mrt (minimum risk training)", DefaultValueFactory = _ => "scst" };
        var reward = new Option<string>("--reward") { Description = "Sentence-level reward: bleu (smoothed sentence BLEU) | chrf | exact", DefaultValueFactory = _ => "bleu" };
        var samples = new Option<int>("--samples") { Description = "Candidates per source (samples; MRT with --mrt-beam: n-best)", DefaultValueFactory = _ => 4 };
        var mleWeight = new Option<double>("--mle-weight") { Description = "Weight w of the gold cross-entropy: loss = (1 − w)·objective + w·MLE", DefaultValueFactory = _ => 0.0 };
        var entropy = new Option<double>("--entropy-weight") { Description = "SCST entropy bonus weight", DefaultValueFactory = _ => 0.0 };
        var alpha = new Option<double>("--mrt-alpha") { Description = "MRT sharpness α of Q ∝ p^α", DefaultValueFactory = _ => 0.5 };
        var mrtBeam = new Option<bool>("--mrt-beam") { Description = "MRT candidates from beam search instead of sampling" };
        var steps = new Option<long>("--max-steps") { Description = "Optimizer steps", DefaultValueFactory = _ => 200 };
        var lr = new Option<double>("--lr") { Description = "Learning rate (constant, Adam)", DefaultValueFactory = _ => 1e-4 };
        var batch = new Option<int>("--batch-size") { Description = "Sources per batch", DefaultValueFactory = _ => 16 };
        var maxLen = new Option<int>("--max-len") { Description = "Longest candidate decoded", DefaultValueFactory = _ => 100 };
        var validEvery = new Option<int>("--valid-every") { Description = "Validate every N steps (0 = at the end)", DefaultValueFactory = _ => 50 };
        var ckptEvery = new Option<int>("--checkpoint-every") { Description = "Checkpoint every N steps", DefaultValueFactory = _ => 50 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of batching and sampling", DefaultValueFactory = _ => 1UL };
        var cmd = new Command("finetune", "Fine-tune a trained model with a sequence-level objective (SCST or minimum risk training).")
        { model, trainSrc, trainTgt, validSrc, validTgt, output, objective, reward, samples, mleWeight, entropy, alpha, mrtBeam, steps, lr, batch, maxLen, validEvery, ckptEvery, seed };
        cmd.SetAction((r, ct) => Task.FromResult(Run(new Options(r.GetValue(model)!, r.GetValue(trainSrc)!, r.GetValue(trainTgt)!, r.GetValue(validSrc), r.GetValue(validTgt),
            r.GetValue(output)!, CliEnum.Parse<SequenceObjectiveKind>(r.GetValue(objective)!, "--objective", "objective"),
            CliEnum.Parse<RewardKind>(r.GetValue(reward)!, "--reward", "reward"),
            new SequenceObjectiveOptions
            {
                Samples = r.GetValue(samples), MleWeight = r.GetValue(mleWeight), EntropyWeight = r.GetValue(entropy), Alpha = r.GetValue(alpha),
                BeamCandidates = r.GetValue(mrtBeam), MaxLength = r.GetValue(maxLen), Seed = r.GetValue(seed),
            },
            r.GetValue(steps), r.GetValue(lr), r.GetValue(batch), r.GetValue(validEvery), r.GetValue(ckptEvery), r.GetValue(seed)), stdout, ct)));
        return cmd;
    }

    internal sealed record Options(string Model, string TrainSrc, string TrainTgt, string? ValidSrc, string? ValidTgt, string Out,
                                   SequenceObjectiveKind Objective, RewardKind Reward, SequenceObjectiveOptions Sequence,
                                   long MaxSteps, double Lr, int BatchSize, int ValidEvery, int CheckpointEvery, ulong Seed);

    internal static int Run(Options o, TextWriter stdout, CancellationToken cancel)
    {
        o.Sequence.Validate();
        if (o.MaxSteps < 1) throw new UserInputException($"--max-steps must be at least 1, got {o.MaxSteps}");
        if (!(o.Lr > 0) || double.IsInfinity(o.Lr)) throw new UserInputException($"--lr must be positive, got {o.Lr.ToString(CultureInfo.InvariantCulture)}");
        if (o.BatchSize < 1) throw new UserInputException($"--batch-size must be at least 1, got {o.BatchSize}");
        if (o.ValidSrc is not null ^ o.ValidTgt is not null) throw new UserInputException("give both --valid-src and --valid-tgt, or neither");
        if (File.Exists(o.Out)) throw new UserInputException(o.Out, null, "--out: is a file, not a run folder");
        var ui = new Ui(stdout);
        var start = ModelStore.LoadSeq2Seq(o.Model);
        var (src, tgt) = (start.SourceTokenizer, start.TargetTokenizer);
        int maxTokens = start.Config.MaxPositions - 2;
        var filter = new LengthFilter { MinTokens = 1, MaxSrcTokens = maxTokens, MaxTgtTokens = maxTokens };
        var train = Examples.Tokenize(ParallelCorpus.FromFiles(o.TrainSrc, o.TrainTgt).ToList(), src, tgt, filter, new FilterStats()).ToList();
        if (train.Count == 0) throw new UserInputException(o.TrainSrc, null, "no training pair fits the model");
        List<Example>? valid = null; List<string>? validRefs = null;
        if (o.ValidSrc is not null && o.ValidTgt is not null)
            (valid, validRefs) = TrainData.ValidationSet(ParallelCorpus.FromFiles(o.ValidSrc, o.ValidTgt).ToList(), src, tgt, maxTokens, lm: false, ui);
        ui.Line($"fine-tuning {start.Path} (step {start.Step}) with {o.Objective.ToString().ToUpperInvariant()}, reward {o.Reward.ToString().ToLowerInvariant()}, "
                + $"{o.Sequence.Samples} candidates per source; {train.Count} training pairs");

        CliPaths.CreateRunFolder(o.Out, "--out");
        using var stop = new StopSignals(cancel, stdout);
        using var runLock = RunLock.Acquire(o.Out, ui.Line);
        stop.BeforeImmediateExit = runLock.Release;
        var resumeFrom = RunFolder.FindResumable(o.Out, w => ui.Line("warning: " + w));
        var settings = new Dictionary<string, string> { ["finetune_objective"] = o.Objective.ToString().ToLowerInvariant(), ["finetune_reward"] = o.Reward.ToString().ToLowerInvariant() };
        if (resumeFrom is not null) RunFolder.CheckCompatible(resumeFrom, start.Config.ToJson(), settings);
        src.Save(Path.Combine(o.Out, "source.tokenizer.json")); tgt.Save(Path.Combine(o.Out, "target.tokenizer.json"));
        var options = new TrainerOptions
        {
            MaxSteps = o.MaxSteps, Seed = o.Seed, ClipNorm = 1.0, LabelSmoothing = 0f,
            Optimizer = new OptimizerOptions(OptimizerKind.Adam, o.Lr, Beta2: 0.98),
            Schedule = new LrScheduleConfig(LrScheduleKind.Constant, o.Lr),
            ValidEvery = o.ValidEvery, CheckpointEvery = o.CheckpointEvery, ValidDecodeLimit = int.MaxValue, ValidMaxLength = o.Sequence.MaxLength,
            BestMetric = valid is null ? ValidationMetric.Loss : ValidationMetric.Bleu, LogEvery = 10,
        };
        var reward = Reward(o.Reward, tgt);
        var startWeights = start.Model.StateDict();
        var job = new TrainJob(o.Out, start.Config, options, new BatcherOptions { BatchSize = o.BatchSize, Shuffle = true }, train, valid, validRefs, src, tgt)
        {
            ResumeFrom = resumeFrom, Settings = settings,
            Initialize = m => m.LoadStateDict(startWeights),
            Objective = m => o.Objective == SequenceObjectiveKind.Scst ? new ScstObjective(m, reward, o.Sequence) : new MrtObjective(m, reward, o.Sequence),
        };
        return TrainRun.Report(ui, TrainRun.Run(ui, job, stop.Token), stop);
    }

    /// <summary>The reward of a hypothesis against its reference, both target ids, on detokenised text (0–100 for BLEU and chrF, 0/100 for exact).</summary>
    private static SequenceReward Reward(RewardKind kind, ITokenizer target) => kind switch
    {
        RewardKind.Chrf => (h, r) => ChrF.Sentence(target.Decode(h), [target.Decode(r)]).Score,
        RewardKind.Exact => (h, r) => h.AsSpan().SequenceEqual(r) ? 100 : 0,
        _ => (h, r) => Bleu.Sentence(target.Decode(h), [target.Decode(r)], BleuOptions.SentenceDefaults).Score,
    };
}
