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
    /// <summary>A folder written by <c>encdec preprocess</c> (<c>--data</c>), instead of --train-src/--train-tgt.</summary>
    public string? Data { get; set; }

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
        var data = Add<string?>("--data", "Preprocessed corpus folder (encdec preprocess) instead of --train-src/--train-tgt");
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
            Set(data, v => spec.Data = v);
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
        s.Validate();
        if (File.Exists(s.Out)) throw new UserInputException(s.Out, null, "--out: is a file, not a run folder");
        var family = DemoCommand.ParseFamily(s.Model);
        var attention = ParseAttention(s.Attention);
        var cell = ParseCell(s.Cell);
        var decay = ParseDecay(s.ScheduledSampling);
        bool resume = !s.Fresh && TrainRun.LatestCheckpoint(s.Out) is not null;
        using var data = TrainData.Load(s, ui, resume);
        var (src, tgt, trainEx, validEx) = (data.Source, data.Target, data.Train, data.Valid);
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
