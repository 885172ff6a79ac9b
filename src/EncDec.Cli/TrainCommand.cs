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

/// <summary>All settings of <c>encdec train</c>; read from a YAML file (snake_case keys) and overridden by flags.</summary>
public sealed class TrainSpec
{
    public string? TrainSrc { get; set; }
    public string? TrainTgt { get; set; }
    public string? ValidSrc { get; set; }
    public string? ValidTgt { get; set; }
    public string Out { get; set; } = Path.Combine("runs", "train");
    public string Model { get; set; } = "transformer";
    public string Cell { get; set; } = "lstm";
    public string Attention { get; set; } = "bahdanau";
    public string Tokenizer { get; set; } = "bpe";
    public int VocabSize { get; set; } = 8000;
    public bool JointVocab { get; set; } = true;
    public string? SrcTokenizerPath { get; set; }
    public string? TgtTokenizerPath { get; set; }
    public int DModel { get; set; } = 256;
    public int HiddenSize { get; set; } = 512;
    public int Layers { get; set; } = 3;
    public int Heads { get; set; } = 4;
    public int FeedForward { get; set; } = 1024;
    public float Dropout { get; set; } = 0.1f;
    public bool Bidirectional { get; set; } = true;
    public bool TieOutput { get; set; }
    public long MaxSteps { get; set; } = 10000;
    public double? MaxMinutes { get; set; }
    public double Lr { get; set; } = 5e-4;
    public int Warmup { get; set; } = 1000;
    public int BatchTokens { get; set; } = 4096;
    public int MaxLength { get; set; } = 128;
    public float LabelSmoothing { get; set; } = 0.1f;
    public int ValidEvery { get; set; } = 1000;
    public int CheckpointEvery { get; set; } = 1000;
    public int KeepCheckpoints { get; set; } = 3;
    public int Patience { get; set; }
    public int GradAccumulation { get; set; } = 1;
    public string ScheduledSampling { get; set; } = "none";
    public double SamplingK { get; set; } = 1.0;
    public double SamplingC { get; set; }
    public int Seed { get; set; } = 1;
    public bool Fresh { get; set; }
    public int AverageLast { get; set; }
    public string BestMetric { get; set; } = "loss";

    public static TrainSpec FromYaml(string path)
    {
        if (Directory.Exists(path)) throw new UserInputException(path, null, "is a folder, not a config file");
        if (!File.Exists(path)) throw new UserInputException(path, null, "config file not found");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException(path, null, $"cannot read config: {Program.OneLine(e.Message)}");
        }
        try
        {
            var d = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
            return d.Deserialize<TrainSpec>(text) ?? new TrainSpec();
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new UserInputException(path, e.Start.Line, $"invalid config: {DescribeYamlError(e)}");
        }
    }

    /// <summary>YamlDotNet's message for <paramref name="e"/>, without .NET type names or position prefixes.</summary>
    internal static string DescribeYamlError(YamlDotNet.Core.YamlException e)
    {
        string msg = Program.OneLine(e.InnerException?.Message ?? e.Message);
        var unknown = System.Text.RegularExpressions.Regex.Match(msg, @"^Property '([^']*)' not found on type");
        if (unknown.Success) return $"unknown setting '{unknown.Groups[1].Value}'";
        var type = System.Text.RegularExpressions.Regex.Match(msg, @"deserialize the node into type ([\w.`\[\]]+)");
        if (type.Success)
        {
            string name = type.Groups[1].Value;
            string friendly = name switch
            {
                "System.Int32" or "System.Int64" => "an integer",
                "System.Single" or "System.Double" => "a number",
                "System.Boolean" => "true or false",
                "System.String" => "a string",
                _ => name,
            };
            return $"expected {friendly}" + (e.Start.Column > 0 ? $" at column {e.Start.Column}" : "");
        }
        return msg;
    }

    /// <summary>Rejects settings no training run can use, naming the setting.</summary>
    public void Validate()
    {
        static void Check(bool ok, string what) { if (!ok) throw new UserInputException(what); }
        Check(MaxSteps >= 1, $"max_steps (--max-steps) must be at least 1, got {MaxSteps}");
        Check(MaxMinutes is null or > 0, $"max_minutes (--max-minutes) must be positive, got {MaxMinutes}");
        Check(Lr > 0 && double.IsFinite(Lr), $"lr (--lr) must be a positive number, got {Lr}");
        Check(Warmup >= 0, $"warmup (--warmup) must not be negative, got {Warmup}");
        Check(Layers >= 1, $"layers (--layers) must be at least 1, got {Layers}");
        Check(DModel >= 1, $"d_model (--d-model) must be at least 1, got {DModel}");
        Check(HiddenSize >= 1, $"hidden_size (--hidden-size) must be at least 1, got {HiddenSize}");
        Check(Heads >= 1, $"heads (--heads) must be at least 1, got {Heads}");
        Check(FeedForward >= 1, $"feed_forward (--feed-forward) must be at least 1, got {FeedForward}");
        Check(VocabSize >= 1, $"vocab_size (--vocab-size) must be at least 1, got {VocabSize}");
        Check(MaxLength >= 1, $"max_length must be at least 1, got {MaxLength}");
        Check(BatchTokens >= 1, $"batch_tokens (--batch-tokens) must be at least 1, got {BatchTokens}");
        Check(ValidEvery >= 0, $"valid_every (--valid-every) must not be negative, got {ValidEvery}");
        Check(CheckpointEvery >= 0, $"checkpoint_every (--checkpoint-every) must not be negative, got {CheckpointEvery}");
        Check(KeepCheckpoints >= 1, $"keep_checkpoints must be at least 1, got {KeepCheckpoints}");
        Check(GradAccumulation >= 1, $"grad_accumulation must be at least 1, got {GradAccumulation}");
        Check(Patience >= 0, $"patience must not be negative, got {Patience}");
        Check(LabelSmoothing is >= 0 and < 1, $"label_smoothing must be in [0, 1), got {LabelSmoothing}");
        Check(!string.IsNullOrWhiteSpace(Out), "out (--out) must not be empty");
        Check(AverageLast >= 0, $"average_last (--average-last) must not be negative, got {AverageLast}");
        Check(AverageLast <= KeepCheckpoints, $"average_last (--average-last) {AverageLast} is more than keep_checkpoints {KeepCheckpoints}: only the last {KeepCheckpoints} checkpoints are kept");
    }
}

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
        var averageLast = Add<int?>("--average-last", "At the end, average the last K checkpoints and keep the average when it validates better");
        var bestMetric = Add<string?>("--best-metric", "loss|bleu: what picks the best checkpoint (and early stopping)");
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
            Set(averageLast, v => spec.AverageLast = v!.Value); Set(bestMetric, v => spec.BestMetric = v!);
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
        var bestMetric = ParseBestMetric(s.BestMetric);
        if (s.ValidSrc is not null ^ s.ValidTgt is not null) throw new UserInputException("give both --valid-src and --valid-tgt, or neither");
        var trainPairs = ParallelCorpus.FromFiles(s.TrainSrc, s.TrainTgt).ToList();
        var validPairs = s.ValidSrc is not null && s.ValidTgt is not null ? ParallelCorpus.FromFiles(s.ValidSrc, s.ValidTgt).ToList() : new List<SentencePair>();
        ui.Line($"corpus: {trainPairs.Count} training pairs, {validPairs.Count} validation pairs");

        CliPaths.CreateRunFolder(s.Out, "--out");
        using var stop = new StopSignals(cancel, stdout);
        using var runLock = RunLock.Acquire(s.Out, ui.Line);
        stop.BeforeImmediateExit = runLock.Release;
        if (s.Fresh && RunFolder.MoveAside(s.Out) is { } aside) ui.Line($"--fresh: moved the previous run's checkpoints, model and metrics to {aside}");
        var resumeFrom = s.Fresh ? null : RunFolder.FindResumable(s.Out, w => ui.Line("warning: " + w));

        ITokenizer src, tgt;
        var srcPath = Path.Combine(s.Out, "source.tokenizer.json");
        var tgtPath = Path.Combine(s.Out, "target.tokenizer.json");
        bool givenTokenizers = s.SrcTokenizerPath is not null || s.TgtTokenizerPath is not null;
        // Settings a resumed run must keep (stored in every checkpoint, checked on resume): what picks the best
        // checkpoint, and what a trained vocabulary came from.
        var settings = new Dictionary<string, string> { ["best_metric"] = bestMetric.ToString().ToLowerInvariant() };
        if (!givenTokenizers)
        {
            settings["tokenizer"] = kind.ToString().ToLowerInvariant();
            settings["vocab_size"] = s.VocabSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["joint_vocab"] = s.JointVocab ? "true" : "false";
        }
        if (resumeFrom is not null)
        {
            (src, tgt) = ResumedTokenizers(resumeFrom, srcPath, tgtPath);
            RunFolder.CheckCompatible(resumeFrom, "{}", settings);
            if (givenTokenizers) CheckGivenTokenizers(resumeFrom, s, src, tgt);
        }
        else if (givenTokenizers)
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
        src.Save(srcPath); tgt.Save(tgtPath);

        var filter = new LengthFilter { MaxSrcTokens = s.MaxLength, MaxTgtTokens = s.MaxLength };
        var stats = new FilterStats();
        var trainEx = Examples.Tokenize(trainPairs, src, tgt, filter, stats);
        if (trainEx.Count == 0) throw new UserInputException($"{s.TrainSrc}: no training pair is within --max-length {s.MaxLength} tokens");
        if (stats.Dropped > 0) ui.Line($"dropped {stats.Dropped} training pairs outside the length limits");
        bool shared = ReferenceEquals(src, tgt) || src.ToJson() == tgt.ToJson();
        var config = new ModelConfig
        {
            Family = family, SrcVocabSize = src.Vocab.Count, TgtVocabSize = tgt.Vocab.Count, DModel = s.DModel, HiddenSize = s.HiddenSize,
            EncoderLayers = s.Layers, DecoderLayers = s.Layers, Heads = s.Heads, FeedForward = s.FeedForward, Dropout = s.Dropout,
            Cell = cell, Attention = attention, Bidirectional = s.Bidirectional, ShareEmbeddings = shared && family == ModelFamily.Transformer,
            TieOutput = s.TieOutput, MaxPositions = Math.Max(1024, s.MaxLength + 2), Seed = (ulong)s.Seed,
        };
        var (validEx, validRefs) = ValidationSet(validPairs, src, tgt, config.MaxPositions - 2, ui);
        var options = new TrainerOptions
        {
            MaxSteps = s.MaxSteps, MaxMinutes = s.MaxMinutes,
            Optimizer = new OptimizerOptions(OptimizerKind.Adam, s.Lr, Beta2: 0.98),
            Schedule = new LrScheduleConfig(LrScheduleKind.InverseSqrt, s.Lr, WarmupSteps: s.Warmup),
            LabelSmoothing = s.LabelSmoothing, GradAccumulation = s.GradAccumulation,
            ScheduledSampling = new ScheduledSamplingOptions(decay, s.SamplingK, s.SamplingC),
            ValidEvery = s.ValidEvery, CheckpointEvery = s.CheckpointEvery, KeepLastCheckpoints = s.KeepCheckpoints,
            EarlyStoppingPatience = s.Patience, Seed = (ulong)s.Seed, LogEvery = (int)Math.Clamp(s.MaxSteps / 100, 1, 50),
            ValidDecodeLimit = int.MaxValue, BestMetric = bestMetric,
        };
        var batching = new BatcherOptions { MaxTokens = s.BatchTokens, Shuffle = true, Seed = s.Seed };
        ui.Line($"model {DemoCommand.Describe(config)}");

        if (resumeFrom is not null)
        {
            RunFolder.CheckCompatible(resumeFrom, config.ToJson(), settings);
            var modelFile = Path.Combine(s.Out, RunFolder.ModelFile);
            if (resumeFrom.IsFinished(s.MaxSteps) && File.Exists(modelFile))
            {
                ui.Line($"nothing to do: {s.Out} is already trained (step {resumeFrom.Step}, max_steps {s.MaxSteps}); model: {modelFile}; "
                        + "raise --max-steps to train on, or use --fresh to start over");
                return 0;
            }
        }

        var job = new TrainJob(s.Out, config, options, batching, trainEx, validEx, validRefs, src, tgt)
        {
            ResumeFrom = resumeFrom, Settings = settings, AverageLast = s.AverageLast,
        };
        var run = TrainRun.Run(ui, job, stop.Token);
        if (run.Result.Reason == StopReason.Cancelled && stop.SignalName is { } signal)
        {
            ui.Line($"stopped by {signal} at step {run.Result.Steps}; checkpoint {run.Result.LastCheckpoint}; run the same command to resume");
            return stop.ExitCode;
        }
        ui.Line($"done: {run.Result.Steps} steps ({run.Result.Reason}); model: {run.ModelPath}");
        if (run.Result.BestValidation is { } b) ui.Line("best " + Ui.FormatValidation(b));
        return 0;
    }

    internal static ValidationMetric ParseBestMetric(string s) => s.ToLowerInvariant() switch
    {
        "loss" => ValidationMetric.Loss, "bleu" => ValidationMetric.Bleu,
        _ => throw new UserInputException($"--best-metric: unknown metric '{s}' (expected loss or bleu)"),
    };

    /// <summary>
    /// The validation examples and, aligned with them, the untokenised reference lines they are scored against (as
    /// <c>encdec eval</c> scores a translation of the whole file). Only pairs longer than the model can take are left out.
    /// </summary>
    private static (List<Example> Examples, List<string> References) ValidationSet(List<SentencePair> pairs, ITokenizer src, ITokenizer tgt,
                                                                                 int maxTokens, Ui ui)
    {
        var examples = new List<Example>(pairs.Count);
        var refs = new List<string>(pairs.Count);
        foreach (var p in pairs)
        {
            var ex = new Example(src.Encode(p.Source), tgt.Encode(p.Target));
            if (ex.Src.Length > maxTokens || ex.Tgt.Length > maxTokens) continue;
            examples.Add(ex); refs.Add(p.Target);
        }
        if (examples.Count < pairs.Count) ui.Line($"left out {pairs.Count - examples.Count} validation pairs longer than {maxTokens} tokens");
        return (examples, refs);
    }

    /// <summary>The tokenizers of a resumed run: the ones stored in its checkpoint (else the run folder's files).</summary>
    private static (ITokenizer Src, ITokenizer Tgt) ResumedTokenizers(ResumePoint from, string srcPath, string tgtPath)
    {
        ITokenizer Load(string role, string file) => from.Snapshot.Vocabularies.TryGetValue(role, out var json)
            ? Tokenizer.FromJson(json, $"{from.Path} ({role} tokenizer)")
            : File.Exists(file) ? Tokenizer.Load(file)
            : throw new UserInputException(from.Path, null, $"the checkpoint has no {role} tokenizer and {file} is missing; use --fresh to start over");
        return (Load(ModelStore.SourceVocab, srcPath), Load(ModelStore.TargetVocab, tgtPath));
    }

    /// <summary>On resume, tokenizer files given by flag must be the run's own.</summary>
    private static void CheckGivenTokenizers(ResumePoint from, TrainSpec s, ITokenizer src, ITokenizer tgt)
    {
        void Check(string? path, string flag, ITokenizer run, string role)
        {
            if (path is null) return;
            if (Tokenizer.Load(path).ToJson() != run.ToJson())
                throw new UserInputException(from.Path, null, $"the {role} tokenizer of this run differs from {flag} {path}; use --fresh to start over");
        }
        Check(s.SrcTokenizerPath ?? s.TgtTokenizerPath, s.SrcTokenizerPath is null ? "--tgt-tokenizer" : "--src-tokenizer", src, "source");
        Check(s.TgtTokenizerPath ?? s.SrcTokenizerPath, s.TgtTokenizerPath is null ? "--src-tokenizer" : "--tgt-tokenizer", tgt, "target");
    }
}
