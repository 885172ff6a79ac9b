using EncDec.Data;
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
