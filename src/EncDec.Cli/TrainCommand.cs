using System.CommandLine;
using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Text;
using EncDec.Training;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace EncDec.Cli;

/// <summary><c>encdec train</c>: trains a model on a parallel corpus into a run folder (resumable).</summary>
internal static class TrainCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var config = new Option<string?>("--config") { Description = "YAML file of settings (snake_case keys; flags override it)" };
        var o = new Dictionary<string, Option>();
        Option<T> Add<T>(string name, string desc) { var op = new Option<T>(name) { Description = desc }; o[name] = op; return op; }
        var trainSrc = Add<string?>("--train-src", "Training source file (one sentence per line)");
        var trainTgt = Add<string?>("--train-tgt", "Training target file, line-aligned with the source");
        var validSrc = Add<string?>("--valid-src", "Validation source file");
        var validTgt = Add<string?>("--valid-tgt", "Validation target file");
        var outDir = Add<string?>("--out", "Run folder (checkpoints, logs, final model); an existing run is resumed");
        var model = Add<string?>("--model", "transformer|rnn");
        var cell = Add<string?>("--cell", "lstm|gru|rnn (RNN models)");
        var attention = Add<string?>("--attention", "bahdanau|luong-dot|luong-general|luong-concat|none (RNN models)");
        var tokenizer = Add<string?>("--tokenizer", "bpe|word|char (trained when no tokenizer files are given)");
        var vocab = Add<int?>("--vocab-size", "Tokenizer vocabulary size");
        var srcTok = Add<string?>("--src-tokenizer", "Existing source tokenizer JSON");
        var tgtTok = Add<string?>("--tgt-tokenizer", "Existing target tokenizer JSON");
        var dModel = Add<int?>("--d-model", "Transformer width / RNN embedding size");
        var hidden = Add<int?>("--hidden-size", "RNN hidden size");
        var layers = Add<int?>("--layers", "Encoder and decoder layers");
        var heads = Add<int?>("--heads", "Attention heads");
        var ff = Add<int?>("--feed-forward", "Feed-forward size");
        var dropout = Add<float?>("--dropout", "Dropout probability");
        var maxSteps = Add<long?>("--max-steps", "Optimizer steps");
        var maxMinutes = Add<double?>("--max-minutes", "Stop after this many minutes");
        var lr = Add<double?>("--lr", "Peak learning rate");
        var warmup = Add<int?>("--warmup", "Warm-up steps");
        var batchTokens = Add<int?>("--batch-tokens", "Tokens per batch (with padding)");
        var validEvery = Add<int?>("--valid-every", "Validate every N steps");
        var ckptEvery = Add<int?>("--checkpoint-every", "Checkpoint every N steps");
        var ss = Add<string?>("--scheduled-sampling", "none|linear|exponential|inverse-sigmoid");
        var seed = Add<int?>("--seed", "Random seed");
        var fresh = new Option<bool>("--fresh") { Description = "Ignore checkpoints in the run folder and start over" };
        var cmd = new Command("train", "Train an encoder-decoder on a parallel corpus.") { config, fresh };
        foreach (var op in o.Values) cmd.Add(op);
        cmd.SetAction((r, ct) =>
        {
            var spec = r.GetValue(config) is { } path ? TrainSpec.FromYaml(path) : new TrainSpec();
            void Set<T>(Option<T> op, Action<T> set) { var v = r.GetValue(op); if (v is not null) set(v); }
            Set(trainSrc, v => spec.TrainSrc = v); Set(trainTgt, v => spec.TrainTgt = v);
            Set(validSrc, v => spec.ValidSrc = v); Set(validTgt, v => spec.ValidTgt = v);
            Set(outDir, v => spec.Out = v!); Set(model, v => spec.Model = v!); Set(cell, v => spec.Cell = v!);
            Set(attention, v => spec.Attention = v!); Set(tokenizer, v => spec.Tokenizer = v!); Set(vocab, v => spec.VocabSize = v!.Value);
            Set(srcTok, v => spec.SrcTokenizerPath = v); Set(tgtTok, v => spec.TgtTokenizerPath = v);
            Set(dModel, v => spec.DModel = v!.Value); Set(hidden, v => spec.HiddenSize = v!.Value); Set(layers, v => spec.Layers = v!.Value);
            Set(heads, v => spec.Heads = v!.Value); Set(ff, v => spec.FeedForward = v!.Value); Set(dropout, v => spec.Dropout = v!.Value);
            Set(maxSteps, v => spec.MaxSteps = v!.Value); Set(maxMinutes, v => spec.MaxMinutes = v); Set(lr, v => spec.Lr = v!.Value);
            Set(warmup, v => spec.Warmup = v!.Value); Set(batchTokens, v => spec.BatchTokens = v!.Value); Set(validEvery, v => spec.ValidEvery = v!.Value);
            Set(ckptEvery, v => spec.CheckpointEvery = v!.Value); Set(ss, v => spec.ScheduledSampling = v!); Set(seed, v => spec.Seed = v!.Value);
            if (r.GetValue(fresh)) spec.Fresh = true;
            return Task.FromResult(Run(spec, stdout, ct));
        });
        return cmd;
    }

    internal static AttentionKind ParseAttention(string s) => s.ToLowerInvariant() switch
    {
        "bahdanau" => AttentionKind.Bahdanau, "luong-dot" or "dot" => AttentionKind.LuongDot, "luong-general" or "general" => AttentionKind.LuongGeneral,
        "luong-concat" or "concat" => AttentionKind.LuongConcat, "none" => AttentionKind.None,
        _ => throw new UserInputException($"--attention: unknown attention '{s}' (expected bahdanau, luong-dot, luong-general, luong-concat or none)"),
    };

    internal static RnnCellKind ParseCell(string s) => s.ToLowerInvariant() switch
    {
        "lstm" => RnnCellKind.Lstm, "gru" => RnnCellKind.Gru, "rnn" => RnnCellKind.Rnn,
        _ => throw new UserInputException($"--cell: unknown cell '{s}' (expected lstm, gru or rnn)"),
    };

    internal static SamplingDecay ParseDecay(string s) => s.ToLowerInvariant() switch
    {
        "none" => SamplingDecay.None, "linear" => SamplingDecay.Linear, "exponential" => SamplingDecay.Exponential,
        "inverse-sigmoid" or "inverse_sigmoid" => SamplingDecay.InverseSigmoid,
        _ => throw new UserInputException($"--scheduled-sampling: unknown decay '{s}' (expected none, linear, exponential or inverse-sigmoid)"),
    };

    public static int Run(TrainSpec s, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        if (s.TrainSrc is null || s.TrainTgt is null) throw new UserInputException("--train-src and --train-tgt are required (as flags or in --config)");
        s.Validate();
        if (File.Exists(s.Out)) throw new UserInputException(s.Out, null, "--out: is a file, not a run folder");
        var family = DemoCommand.ParseFamily(s.Model);
        var kind = TokenizerCli.ParseKind(s.Tokenizer, "--tokenizer");
        var attention = ParseAttention(s.Attention);
        var cell = ParseCell(s.Cell);
        var decay = ParseDecay(s.ScheduledSampling);
        if (s.ValidSrc is not null ^ s.ValidTgt is not null) throw new UserInputException("give both --valid-src and --valid-tgt, or neither");
        var trainPairs = ParallelCorpus.FromFiles(s.TrainSrc, s.TrainTgt).ToList();
        var validPairs = s.ValidSrc is not null && s.ValidTgt is not null ? ParallelCorpus.FromFiles(s.ValidSrc, s.ValidTgt).ToList() : new List<SentencePair>();
        ui.Line($"corpus: {trainPairs.Count} training pairs, {validPairs.Count} validation pairs");

        bool resume = !s.Fresh && TrainRun.LatestCheckpoint(s.Out) is not null;
        ITokenizer src, tgt;
        var srcPath = Path.Combine(s.Out, "source.tokenizer.json");
        var tgtPath = Path.Combine(s.Out, "target.tokenizer.json");
        if (resume && File.Exists(srcPath) && File.Exists(tgtPath)) { src = Tokenizer.Load(srcPath); tgt = Tokenizer.Load(tgtPath); }
        else if (s.SrcTokenizerPath is not null || s.TgtTokenizerPath is not null)
        {
            src = Tokenizer.Load(s.SrcTokenizerPath ?? s.TgtTokenizerPath!);
            tgt = Tokenizer.Load(s.TgtTokenizerPath ?? s.SrcTokenizerPath!);
        }
        else if (s.JointVocab)
        {
            ui.Line($"training a joint {kind.ToString().ToLowerInvariant()} tokenizer ({s.VocabSize} tokens)");
            src = tgt = Tokenizer.Train(kind, trainPairs.SelectMany(p => new[] { p.Source, p.Target }), s.VocabSize);
        }
        else
        {
            src = Tokenizer.Train(kind, trainPairs.Select(p => p.Source), s.VocabSize);
            tgt = Tokenizer.Train(kind, trainPairs.Select(p => p.Target), s.VocabSize);
        }
        CliPaths.CreateRunFolder(s.Out, "--out");
        src.Save(srcPath); tgt.Save(tgtPath);

        var filter = new LengthFilter { MaxSrcTokens = s.MaxLength, MaxTgtTokens = s.MaxLength };
        var stats = new FilterStats();
        var trainEx = Examples.Tokenize(trainPairs, src, tgt, filter, stats);
        if (trainEx.Count == 0) throw new UserInputException($"{s.TrainSrc}: no training pair is within --max-length {s.MaxLength} tokens");
        if (stats.Dropped > 0) ui.Line($"dropped {stats.Dropped} training pairs outside the length limits");
        var validEx = Examples.Tokenize(validPairs, src, tgt, filter);
        bool shared = ReferenceEquals(src, tgt) || src.ToJson() == tgt.ToJson();
        var config = new ModelConfig
        {
            Family = family, SrcVocabSize = src.Vocab.Count, TgtVocabSize = tgt.Vocab.Count, DModel = s.DModel, HiddenSize = s.HiddenSize,
            EncoderLayers = s.Layers, DecoderLayers = s.Layers, Heads = s.Heads, FeedForward = s.FeedForward, Dropout = s.Dropout,
            Cell = cell, Attention = attention, Bidirectional = s.Bidirectional, ShareEmbeddings = shared && family == ModelFamily.Transformer,
            TieOutput = s.TieOutput, MaxPositions = Math.Max(1024, s.MaxLength + 2), Seed = (ulong)s.Seed,
        };
        var options = new TrainerOptions
        {
            MaxSteps = s.MaxSteps, MaxMinutes = s.MaxMinutes,
            Optimizer = new OptimizerOptions(OptimizerKind.Adam, s.Lr, Beta2: 0.98),
            Schedule = new LrScheduleConfig(LrScheduleKind.InverseSqrt, s.Lr, WarmupSteps: s.Warmup),
            LabelSmoothing = s.LabelSmoothing, GradAccumulation = s.GradAccumulation,
            ScheduledSampling = new ScheduledSamplingOptions(decay, s.SamplingK, s.SamplingC),
            ValidEvery = s.ValidEvery, CheckpointEvery = s.CheckpointEvery, KeepLastCheckpoints = s.KeepCheckpoints,
            EarlyStoppingPatience = s.Patience, Seed = (ulong)s.Seed, LogEvery = 50,
        };
        var batching = new BatcherOptions { MaxTokens = s.BatchTokens, Shuffle = true, Seed = s.Seed };
        ui.Line($"model {DemoCommand.Describe(config)}");

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); ui.Line("stopping: saving a checkpoint…"); };
        Console.CancelKeyPress += onCancel;
        try
        {
            var run = TrainRun.Run(ui, s.Out, config, options, batching, trainEx, validEx.Count > 0 ? validEx : null!, src, tgt, resume, cts.Token);
            ui.Line($"done: {run.Result.Steps} steps ({run.Result.Reason}); model: {run.ModelPath}");
            if (run.Result.BestValidation is { } b) ui.Line("best " + Ui.FormatValidation(b));
        }
        finally { Console.CancelKeyPress -= onCancel; }
        return 0;
    }
}
