using System.CommandLine;
using EncDec.Cli;
using EncDec.Data;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Optim;
using EncDec.Tests.Models;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>
/// Every flag group of <c>encdec train</c> reaches the library: flags → (via <c>--print-config</c> and <c>--config</c>) →
/// <see cref="TrainPlan.Resolve"/> → model config, trainer options and the built optimizer / model.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class TrainFlagsTests : IDisposable
{
    private readonly TempDir _d = new();
    public void Dispose() => _d.Dispose();

    /// <summary>The settings <c>train FLAGS</c> would use, read back from its <c>--print-config</c> output.</summary>
    private TrainSpec Spec(params string[] flags)
    {
        var r = CliRunner.Ok(["train", "--print-config", .. flags]);
        Assert.Equal("", r.Stderr);
        return TrainSpec.FromYaml(_d.Write($"spec{Guid.NewGuid():N}.yaml", r.Stdout));
    }

    private TrainPlan Plan(params string[] flags) => TrainPlan.Resolve(Spec(flags), 40, 40, jointVocab: true);

    private static IEnumerable<Option> CommandOptions(string name)
        => Program.BuildRoot(TextWriter.Null, TextWriter.Null).Subcommands.Single(c => c.Name == name).Options
                  .Where(o => o.Name is not ("--config" or "--print-config" or "--help" or "-h" or "-?") && o is not System.CommandLine.Help.HelpOption);

    private static string Snake(string flag) => flag.TrimStart('-').Replace('-', '_');

    [Fact]
    public void EveryFlag_HasTheYamlKeyOfItsName_AndEverySettingHasAFlag()
    {
        // the image-task flags (--images, --labels …) are TrainSpec keys too
        var train = CommandOptions("train").Select(o => o.Name).ToList();
        Assert.Superset(EncDec.Cli.Commands.VisionTrainFlags.Names.ToHashSet(), train.ToHashSet());
        var pretrain = CommandOptions("pretrain").Select(o => o.Name).ToList();
        Assert.True(train.Count >= 60, $"only {train.Count} train flags");
        var yamlKeys = CliRunner.Ok("train", "--print-config").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                                .Select(l => l[..l.IndexOf(':')]).ToHashSet();
        foreach (var flag in train.Concat(pretrain))
        {
            Assert.Contains(Snake(flag), yamlKeys);
            Assert.NotNull(SpecFlags.Property(flag));
        }
        // …and every key has a flag in one of the two commands
        Assert.Equal(yamlKeys.OrderBy(k => k), train.Concat(pretrain).Select(Snake).Distinct().OrderBy(k => k));
        Assert.Equal(typeof(TrainSpec).GetProperties().Length, yamlKeys.Count);
        Assert.All(pretrain.Where(f => !SpecFlags.PretrainOnly.Contains(f)), f => Assert.Contains(f, train));
    }

    [Fact]
    public void PrintConfig_ReadBackWithConfig_GivesTheSameSettings()
    {
        string[] flags =
        [
            "--model", "rnn", "--train-src", "a.src", "--train-tgt", "a.tgt", "--cell", "gru", "--attention", "luong-general", "--context", "mean-state",
            "--bidirectional", "false", "--input-feeding", "false", "--hidden-size", "24", "--encoder-layers", "2", "--decoder-layers", "1",
            "--optimizer", "adamw", "--beta1", "0.8", "--beta2", "0.95", "--eps", "1e-7", "--weight-decay", "0.01", "--amsgrad",
            "--schedule", "cosine", "--warmup", "5", "--decay-steps", "50", "--min-lr", "1e-5", "--lr", "0.002", "--max-steps", "60",
            "--clip-norm", "0.5", "--grad-accumulation", "3", "--label-smoothing", "0.2", "--patience", "4", "--max-length", "40",
            "--scheduled-sampling", "inverse-sigmoid", "--sampling-min", "0.1", "--sampling-k", "7.5", "--dropout", "0.25", "--seed", "9",
            "--tie-output", "--share-embeddings", "false", "--joint-vocab", "false", "--max-minutes", "3.5", "--batch-size", "16",
        ];
        var first = CliRunner.Ok(["train", "--print-config", .. flags]).Stdout;
        var cfg = _d.Write("printed.yaml", first);
        var second = CliRunner.Ok("train", "--print-config", "--config", cfg).Stdout;
        Assert.Equal(first, second);
        var s = TrainSpec.FromYaml(cfg);
        Assert.Equal(("rnn", "gru", "luong-general", "mean-state", false, false), (s.Model, s.Cell, s.Attention, s.Context, s.Bidirectional, s.InputFeeding));
        Assert.Equal((2, 1, 24), (s.EncoderLayers, s.DecoderLayers, s.HiddenSize));
        Assert.Equal((1e-7, 0.01, true, 0.8, 0.95), (s.Eps, s.WeightDecay, s.Amsgrad, s.Beta1, s.Beta2));
        Assert.Equal(("cosine", 5, 50L, 1e-5), (s.Schedule, s.Warmup, s.DecaySteps, s.MinLr));
        Assert.Equal((0.5, 3, 0.2f, 4, 40), (s.ClipNorm, s.GradAccumulation, s.LabelSmoothing, s.Patience, s.MaxLength));
        Assert.Equal(("inverse-sigmoid", 0.1, 7.5, (double?)null), (s.ScheduledSampling, s.SamplingMin, s.SamplingK, s.SamplingC));
        Assert.Equal((true, (bool?)false, false, 3.5, 16), (s.TieOutput, s.ShareEmbeddings, s.JointVocab, s.MaxMinutes, s.BatchSize));

        // flags override the file
        var over = TrainSpec.FromYaml(_d.Write("over.yaml", CliRunner.Ok("train", "--print-config", "--config", cfg, "--cell", "lstm", "--lr", "0.5").Stdout));
        Assert.Equal(("lstm", 0.5, 60L), (over.Cell, over.Lr, over.MaxSteps));
    }

    [Fact]
    public void OptimizerFlags_ReachTheOptimizer()
    {
        var sgd = Plan("--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.9", "--nesterov", "--weight-decay", "0.001").Trainer.Optimizer;
        Assert.Equal(new OptimizerOptions(OptimizerKind.Sgd, 0.1, WeightDecay: 0.001, Momentum: 0.9, Nesterov: true, Beta2: 0.98), sgd);
        var adamw = Plan("--optimizer", "adamw", "--beta1", "0.85", "--beta2", "0.995", "--eps", "1e-6", "--amsgrad", "--weight-decay", "0.05").Trainer.Optimizer;
        Assert.Equal(new OptimizerOptions(OptimizerKind.AdamW, 5e-4, WeightDecay: 0.05, Beta1: 0.85, Beta2: 0.995, Eps: 1e-6, Amsgrad: true), adamw);
        var adagrad = Plan("--optimizer", "adagrad", "--eps", "1e-9").Trainer.Optimizer;
        Assert.Equal((OptimizerKind.Adagrad, 1e-9), (adagrad.Kind, adagrad.EpsOrDefault));
        Assert.Equal(1e-8, Plan().Trainer.Optimizer.EpsOrDefault);

        // the trainer builds that optimizer
        var plan = Plan("--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.9", "--nesterov");
        var model = ModelFactory.Build(ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 8, heads: 2, ffn: 8));
        var (train, _) = ModelTestKit.SymbolTask(SyntheticTask.Copy, 4, 1, seed: 1);
        var trainer = new Trainer(model, plan.Trainer, train, null, plan.Batching);
        Assert.IsType<Sgd>(trainer.Optimizer);
        Assert.Equal(plan.Trainer.Optimizer, trainer.Optimizer.Options);

        Assert.Equal("error: --nesterov needs --optimizer sgd with a positive --momentum", CliRunner.Fails("train", "--print-config", "--nesterov"));
        Assert.Equal("error: --amsgrad needs --optimizer adam or adamw", CliRunner.Fails("train", "--print-config", "--optimizer", "sgd", "--amsgrad"));
    }

    [Fact]
    public void ScheduleFlags_ReachTheSchedule()
    {
        var cosine = Plan("--schedule", "cosine", "--lr", "0.001", "--warmup", "10", "--decay-steps", "110", "--min-lr", "0.0001", "--max-steps", "200").Trainer.Schedule;
        Assert.Equal((LrScheduleKind.Cosine, 0.001, 10L, 110L, 0.0001), (cosine.Kind, cosine.Lr, cosine.WarmupSteps, cosine.TotalSteps, cosine.MinLr));
        var c = LrSchedule.Create(cosine);
        Assert.Equal(0.0005, c.LrAt(5), 12);                          // warm-up
        Assert.Equal(0.001, c.LrAt(10), 12);
        Assert.Equal(0.00055, c.LrAt(60), 12);                        // half-way: (lr + min)/2
        Assert.Equal(0.0001, c.LrAt(150), 12);

        var linear = LrSchedule.Create(Plan("--schedule", "linear", "--lr", "0.01", "--warmup", "0", "--max-steps", "100").Trainer.Schedule);
        Assert.Equal(0.005, linear.LrAt(50), 12);                    // decay_steps defaults to max_steps
        var step = LrSchedule.Create(Plan("--schedule", "step", "--lr", "0.1", "--step-size", "3", "--gamma", "0.5").Trainer.Schedule);
        Assert.Equal([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025], Enumerable.Range(1, 7).Select(t => Math.Round(step.LrAt(t), 12)));
        var noam = Plan("--schedule", "noam", "--warmup", "100", "--noam-scale", "2", "--d-model", "64");
        Assert.Equal(2 / 8.0 * 100 * Math.Pow(100, -1.5), LrSchedule.Create(noam.Trainer.Schedule).LrAt(100), 12);
        Assert.Equal(LrScheduleKind.Constant, Plan("--schedule", "constant").Trainer.Schedule.Kind);
        var inv = LrSchedule.Create(Plan("--lr", "0.002", "--warmup", "4").Trainer.Schedule);   // the default
        Assert.Equal(0.001, inv.LrAt(16), 12);

        Assert.Equal("error: --schedule cosine: decay_steps (--decay-steps, default max_steps) 10 must exceed --warmup 1000",
            CliRunner.Fails("train", "--print-config", "--schedule", "cosine", "--max-steps", "10"));
    }

    [Fact]
    public void ClippingAccumulationSmoothingPatience_ReachTheTrainer()
    {
        var t = Plan("--clip-norm", "0.25", "--grad-accumulation", "4", "--label-smoothing", "0.05", "--patience", "3", "--max-length", "30",
                     "--valid-every", "7", "--checkpoint-every", "9", "--keep-checkpoints", "2", "--log-every", "5", "--max-steps", "77", "--max-minutes", "1.5",
                     "--seed", "12", "--batch-tokens", "999", "--batch-size", "8");
        Assert.Equal((0.25, 4, 0.05f, 3), (t.Trainer.ClipNorm, t.Trainer.GradAccumulation, t.Trainer.LabelSmoothing, t.Trainer.EarlyStoppingPatience));
        Assert.Equal((7, 9, 2, 5, 77L, (double?)1.5, 12UL, 30), (t.Trainer.ValidEvery, t.Trainer.CheckpointEvery, t.Trainer.KeepLastCheckpoints,
            t.Trainer.LogEvery, t.Trainer.MaxSteps, t.Trainer.MaxMinutes, t.Trainer.Seed, t.Trainer.ValidMaxLength));
        Assert.Equal((999, 8, 12), (t.Batching.MaxTokens, t.Batching.BatchSize, t.Batching.Seed));
        Assert.Equal(0.0, Plan("--clip-norm", "0").Trainer.ClipNorm);
    }

    [Fact]
    public void TransformerStructureFlags_ReachTheModel()
    {
        var c = Plan("--norm", "pre", "--activation", "gelu", "--positions", "learned", "--tie-output", "--share-embeddings", "false",
                     "--encoder-layers", "2", "--decoder-layers", "1", "--d-model", "16", "--heads", "4", "--feed-forward", "24", "--dropout", "0.2").Model;
        Assert.Equal((NormPosition.Pre, Activation.Gelu, PositionalKind.Learned, true, false), (c.Norm, c.Activation, c.Positional, c.TieOutput, c.ShareEmbeddings));
        Assert.Equal((2, 1, 16, 4, 24, 0.2f), (c.EncoderLayers, c.DecoderLayers, c.DModel, c.Heads, c.FeedForward, c.Dropout));
        var names = ModelFactory.Build(c).StateDict().Keys.ToList();
        Assert.Contains(names, n => n.StartsWith("src_embed.positions.", StringComparison.Ordinal));     // learned positions have weights
        Assert.Null(c.FinalNorm);
        var post = Plan("--norm", "post", "--final-norm", "--d-model", "16", "--heads", "4").Model;
        Assert.True(post.FinalNorm);
        Assert.Contains(ModelFactory.Build(post).StateDict().Keys, n => n.StartsWith("encoder.", StringComparison.Ordinal) && n.Contains("norm") && !n.Contains("layers."));
        Assert.Contains(names, n => n.StartsWith("tgt_embed.", StringComparison.Ordinal));              // not shared
        Assert.Contains(names, n => n.StartsWith("encoder.", StringComparison.Ordinal) && n.Contains(".1."));
        Assert.DoesNotContain(names, n => n.StartsWith("decoder.", StringComparison.Ordinal) && n.Contains(".1."));

        var d = Plan().Model;   // defaults: --layers for both, shared embeddings with a joint vocabulary
        Assert.Equal((NormPosition.Post, Activation.Relu, PositionalKind.Sinusoidal, 3, 3, true), (d.Norm, d.Activation, d.Positional, d.EncoderLayers, d.DecoderLayers, d.ShareEmbeddings));
        Assert.False(TrainPlan.Resolve(Spec(), 40, 50, jointVocab: false).Model.ShareEmbeddings);
        Assert.Equal((5, 5), (Plan("--layers", "5").Model.EncoderLayers, Plan("--layers", "5").Model.DecoderLayers));
    }

    [Fact]
    public void RnnFlags_ReachTheModel()
    {
        var c = Plan("--model", "rnn", "--cell", "gru", "--attention", "luong-concat", "--context", "mean-state", "--bidirectional", "false",
                     "--input-feeding", "false", "--hidden-size", "20", "--d-model", "12", "--layers", "2", "--decoder-layers", "1").Model;
        Assert.Equal((ModelFamily.Rnn, RnnCellKind.Gru, AttentionKind.LuongConcat, ContextKind.MeanState, false, false),
                     (c.Family, c.Cell, c.Attention, c.Context, c.Bidirectional, c.InputFeeding));
        Assert.Equal((20, 12, 2, 1), (c.HiddenSize, c.DModel, c.EncoderLayers, c.DecoderLayers));
        var model = ModelFactory.Build(c);
        Assert.Contains(model.StateDict().Keys, n => n.StartsWith("encoder.", StringComparison.Ordinal));
        Assert.Equal(AttentionKind.LuongDot, Plan("--model", "rnn", "--attention", "dot").Model.Attention);   // the old alias still works
        Assert.Equal(ModelFamily.DecoderOnly, Plan("--model", "lm").Model.Family);
    }

    [Theory]
    [InlineData("--optimizer", "error: --optimizer: unknown optimizer 'bogus' (expected sgd, adam, adamw or adagrad)")]
    [InlineData("--schedule", "error: --schedule: unknown schedule 'bogus' (expected constant, step, noam, inverse-sqrt, cosine or linear)")]
    [InlineData("--norm", "error: --norm: unknown norm position 'bogus' (expected post or pre)")]
    [InlineData("--activation", "error: --activation: unknown activation 'bogus' (expected relu or gelu)")]
    [InlineData("--positions", "error: --positions: unknown positional encoding 'bogus' (expected sinusoidal or learned)")]
    [InlineData("--cell", "error: --cell: unknown cell 'bogus' (expected lstm, gru or rnn)")]
    [InlineData("--context", "error: --context: unknown context 'bogus' (expected last-state or mean-state)")]
    [InlineData("--scheduled-sampling", "error: --scheduled-sampling: unknown decay 'bogus' (expected none, linear, exponential or inverse-sigmoid)")]
    [InlineData("--control", "error: --control: unknown control-code source 'bogus' (expected none, tsv or prefix)")]
    [InlineData("--model", "error: --model: unknown model type 'bogus' (expected transformer, rnn or lm)")]
    [InlineData("--attention", "error: --attention: unknown attention 'bogus' (expected bahdanau, luong-dot, luong-general, luong-concat or none)")]
    [InlineData("--tokenizer", "error: --tokenizer: unknown tokenizer kind 'bogus' (expected bpe, word or char)")]
    public void BadEnumValue_IsOneLineNamingTheFlagAndTheValues(string flag, string expected)
    {
        Assert.Equal(expected, CliRunner.Fails("train", "--print-config", flag, "bogus"));
        // the same from a config file, and before any work in a real run
        var cfg = _d.Write("bad.yaml", $"{Snake(flag)}: bogus\n");
        Assert.Equal(expected, CliRunner.Fails("train", "--config", cfg, "--out", _d.File("run")));
        Assert.False(Directory.Exists(_d.File("run")));
    }

    [Fact]
    public void BadNumbers_NameTheSetting()
    {
        Assert.Equal("error: beta2 (--beta2) must be in [0, 1), got 1", CliRunner.Fails("train", "--print-config", "--beta2", "1"));
        Assert.Equal("error: sampling_min (--sampling-min) must be in [0, 1], got 2", CliRunner.Fails("train", "--print-config", "--sampling-min", "2"));
        Assert.Equal("error: encoder_layers (--encoder-layers) must be at least 1, got 0", CliRunner.Fails("train", "--print-config", "--encoder-layers", "0"));
    }

    [Fact]
    public void Help_StatesTheScheduleAndSamplingFormulas()
    {
        var help = CliRunner.Ok("train", "--help").Stdout.ReplaceLineEndings(" ");
        var flat = System.Text.RegularExpressions.Regex.Replace(help, @"\s+", " ");
        foreach (var s in new[] { "lr·gamma^floor((t−1)/step_size)", "lr·sqrt(warmup/t)", "min_lr + (lr − min_lr)·(1 + cos(π·p))/2", "max(min, k − c·i)",
                                  "max(min, k^i)", "max(min, k/(k + exp(i/k)))", "k·ln k = N/2", "c = (1 − min)/(N − 1)" })
            Assert.Contains(s, flat);
    }
}
