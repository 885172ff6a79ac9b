using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace EncDec.Cli;

/// <summary>All settings of <c>encdec train</c>; read from a YAML file (snake_case keys) and overridden by flags.</summary>
public sealed class TrainSpec
{
    // data
    public string? TrainSrc { get; set; }
    public string? TrainTgt { get; set; }
    public string? ValidSrc { get; set; }
    public string? ValidTgt { get; set; }
    /// <summary>Monolingual training text (language model, MLM pretraining).</summary>
    public string? TrainText { get; set; }
    public string? ValidText { get; set; }
    /// <summary>Where a language model's control codes come from: none | tsv | prefix.</summary>
    public string Control { get; set; } = "none";
    public string Out { get; set; } = Path.Combine("runs", "train");
    public bool Fresh { get; set; }
    public bool Distributed { get; set; }

    // tokenizers
    public string Tokenizer { get; set; } = "bpe";
    public int VocabSize { get; set; } = 8000;
    public bool JointVocab { get; set; } = true;
    public string? SrcTokenizer { get; set; }
    public string? TgtTokenizer { get; set; }

    // model
    public string Model { get; set; } = "transformer";
    public int DModel { get; set; } = 256;
    public int HiddenSize { get; set; } = 512;
    public int Layers { get; set; } = 3;
    /// <summary>Encoder layers; null = <see cref="Layers"/>.</summary>
    public int? EncoderLayers { get; set; }
    /// <summary>Decoder layers; null = <see cref="Layers"/>.</summary>
    public int? DecoderLayers { get; set; }
    public int Heads { get; set; } = 4;
    public int FeedForward { get; set; } = 1024;
    public float Dropout { get; set; } = 0.1f;
    public string Norm { get; set; } = "post";
    public string Activation { get; set; } = "relu";
    public string Positions { get; set; } = "sinusoidal";
    public bool TieOutput { get; set; }
    /// <summary>A LayerNorm after the last encoder and decoder layer (Transformer; nn.Transformer has them); null = only with pre-norm.</summary>
    public bool? FinalNorm { get; set; }
    /// <summary>One embedding matrix for source and target; null = shared when the vocabulary is joint (Transformer).</summary>
    public bool? ShareEmbeddings { get; set; }
    public string Cell { get; set; } = "lstm";
    public string Attention { get; set; } = "bahdanau";
    public string Context { get; set; } = "last-state";
    public bool Bidirectional { get; set; } = true;
    public bool InputFeeding { get; set; } = true;
    /// <summary>A pretrain run folder or model file whose encoder initialises the Transformer's encoder.</summary>
    public string? InitEncoder { get; set; }

    // optimizer
    public string Optimizer { get; set; } = "adam";
    public double Lr { get; set; } = 5e-4;
    public double Momentum { get; set; }
    public bool Nesterov { get; set; }
    public double Beta1 { get; set; } = 0.9;
    public double Beta2 { get; set; } = 0.98;
    /// <summary>null = the optimizer's default (1e-8; Adagrad 1e-10).</summary>
    public double? Eps { get; set; }
    public double WeightDecay { get; set; }
    public bool Amsgrad { get; set; }

    // schedule
    public string Schedule { get; set; } = "inverse-sqrt";
    public int Warmup { get; set; } = 1000;
    public long StepSize { get; set; } = 1000;
    public double Gamma { get; set; } = 0.5;
    /// <summary>Last step of the cosine/linear decay; null = max_steps.</summary>
    public long? DecaySteps { get; set; }
    public double MinLr { get; set; }
    public double NoamScale { get; set; } = 1.0;

    // training
    public long MaxSteps { get; set; } = 10000;
    public double? MaxMinutes { get; set; }
    public int BatchTokens { get; set; } = 4096;
    /// <summary>Sentences per batch instead of a token budget (0 = use batch_tokens).</summary>
    public int BatchSize { get; set; }
    public int MaxLength { get; set; } = 128;
    public float LabelSmoothing { get; set; } = 0.1f;
    public double ClipNorm { get; set; } = 1.0;
    public int GradAccumulation { get; set; } = 1;
    public int Patience { get; set; }
    public int ValidEvery { get; set; } = 1000;
    public int CheckpointEvery { get; set; } = 1000;
    public int KeepCheckpoints { get; set; } = 3;
    public int LogEvery { get; set; } = 50;
    public string ScheduledSampling { get; set; } = "none";
    /// <summary>null = derived from max_steps (see <see cref="Training.ScheduledSamplingOptions.ForRun"/>).</summary>
    public double? SamplingK { get; set; }
    /// <summary>null = derived from max_steps (linear decay only).</summary>
    public double? SamplingC { get; set; }
    public double SamplingMin { get; set; }
    public int Seed { get; set; } = 1;
    /// <summary>Average the last K rotating checkpoints at the end and keep the average when it validates better (0 = no).</summary>
    public int AverageLast { get; set; }
    /// <summary>loss | bleu: what picks the best checkpoint and drives early stopping.</summary>
    public string BestMetric { get; set; } = "loss";
    /// <summary>A folder written by <c>encdec preprocess</c> (<c>--data</c>), instead of --train-src/--train-tgt.</summary>
    public string? Data { get; set; }

    // masked-LM pretraining (encdec pretrain)
    public double MaskProbability { get; set; } = 0.15;

    /// <summary>What the run trains on (<see cref="Commands.TrainTask"/>): text (a parallel corpus or, with --model lm, text),
    /// dialogue (conversations in --data FILE.jsonl), speech (WAV files), image2seq | segment | dual (an image folder).</summary>
    public string Task { get; set; } = "text";

    // speech (--task speech)
    public string? Audio { get; set; }
    public string? Transcripts { get; set; }
    public string? ValidAudio { get; set; }
    public string? ValidTranscripts { get; set; }
    public double CtcWeight { get; set; }

    // images (--task image2seq | segment | dual)
    public string? Images { get; set; }
    public string? Labels { get; set; }
    public string? ValidLabels { get; set; }
    /// <summary>cnn | vit; null = cnn.</summary>
    public string? ImageEncoder { get; set; }
    /// <summary>1 (grey) or 3 (RGB); null = 3.</summary>
    public int? Channels { get; set; }

    /// <summary>Reads a config file; keys it leaves out keep the values of <paramref name="defaults"/> (default: <c>new TrainSpec()</c>).</summary>
    public static TrainSpec FromYaml(string path, Func<TrainSpec>? defaults = null)
    {
        if (Directory.Exists(path)) throw new UserInputException(path, null, "is a folder, not a config file");
        if (!File.Exists(path)) throw new UserInputException(path, null, "config file not found");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException(path, null, $"cannot read config: {Program.OneLine(e.Message)}");
        }
        return FromYamlText(text, path, defaults);
    }

    /// <summary>Parses config text; <paramref name="path"/> names it in errors (with the line where there is one).</summary>
    public static TrainSpec FromYamlText(string text, string path, Func<TrainSpec>? defaults = null)
    {
        TrainSpec spec;
        var make = defaults ?? (() => new TrainSpec());
        try
        {
            var d = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance)
                                             .WithObjectFactory(t => t == typeof(TrainSpec) ? make() : Activator.CreateInstance(t)!).Build();
            spec = d.Deserialize<TrainSpec>(text) ?? make();
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new UserInputException(path, e.Start.Line > 0 ? e.Start.Line : null, $"invalid config: {DescribeYamlError(e)}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            throw new UserInputException(path, null, $"invalid config: {Program.OneLine(e.Message)}");
        }
        return spec;
    }

    /// <summary>Every setting as YAML with the keys <see cref="FromYaml"/> reads (the output of <c>--print-config</c>).</summary>
    public string ToYaml()
    {
        var s = new SerializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
        return s.Serialize(this);
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

    /// <summary>The largest vocabulary a tokenizer may be trained to.</summary>
    public const int MaxVocabSize = 10_000_000;

    /// <summary>A YAML <c>key: ~</c> or <c>key:</c> leaves a setting that must have a value null: refused, naming it.</summary>
    private void CheckNoMissingValues()
    {
        var nullability = new System.Reflection.NullabilityInfoContext();
        foreach (var p in typeof(TrainSpec).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            if (p.PropertyType != typeof(string) || p.GetValue(this) is not null) continue;
            if (nullability.Create(p).WriteState != System.Reflection.NullabilityState.NotNull) continue;
            string key = UnderscoredNamingConvention.Instance.Apply(p.Name);
            throw new UserInputException($"{key} (--{key.Replace('_', '-')}) must have a value (the config file leaves it empty)");
        }
    }

    /// <summary>Rejects settings no training run can use, naming the setting.</summary>
    public void Validate()
    {
        static void Check(bool ok, string what) { if (!ok) throw new UserInputException(what); }
        CheckNoMissingValues();
        Check(VocabSize <= MaxVocabSize, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"vocab_size (--vocab-size) must be at most {MaxVocabSize:N0}, got {VocabSize:N0}"));
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
        Check(MaxLength >= 1, $"max_length (--max-length) must be at least 1, got {MaxLength}");
        Check(BatchTokens >= 1, $"batch_tokens (--batch-tokens) must be at least 1, got {BatchTokens}");
        Check(ValidEvery >= 0, $"valid_every (--valid-every) must not be negative, got {ValidEvery}");
        Check(CheckpointEvery >= 0, $"checkpoint_every (--checkpoint-every) must not be negative, got {CheckpointEvery}");
        Check(KeepCheckpoints >= 1, $"keep_checkpoints (--keep-checkpoints) must be at least 1, got {KeepCheckpoints}");
        Check(GradAccumulation >= 1, $"grad_accumulation (--grad-accumulation) must be at least 1, got {GradAccumulation}");
        Check(Patience >= 0, $"patience (--patience) must not be negative, got {Patience}");
        Check(LabelSmoothing is >= 0 and < 1, $"label_smoothing (--label-smoothing) must be in [0, 1), got {LabelSmoothing}");
        Check(!string.IsNullOrWhiteSpace(Out), "out (--out) must not be empty");
        Check(EncoderLayers is null or >= 1, $"encoder_layers (--encoder-layers) must be at least 1, got {EncoderLayers}");
        Check(DecoderLayers is null or >= 1, $"decoder_layers (--decoder-layers) must be at least 1, got {DecoderLayers}");
        Check(Dropout is >= 0 and < 1, $"dropout (--dropout) must be in [0, 1), got {Dropout}");
        Check(Momentum >= 0, $"momentum (--momentum) must not be negative, got {Momentum}");
        Check(Beta1 is >= 0 and < 1, $"beta1 (--beta1) must be in [0, 1), got {Beta1}");
        Check(Beta2 is >= 0 and < 1, $"beta2 (--beta2) must be in [0, 1), got {Beta2}");
        Check(Eps is null or > 0, $"eps (--eps) must be positive, got {Eps}");
        Check(WeightDecay >= 0, $"weight_decay (--weight-decay) must not be negative, got {WeightDecay}");
        Check(StepSize >= 1, $"step_size (--step-size) must be at least 1, got {StepSize}");
        Check(Gamma > 0, $"gamma (--gamma) must be positive, got {Gamma}");
        Check(DecaySteps is null or >= 1, $"decay_steps (--decay-steps) must be at least 1, got {DecaySteps}");
        Check(MinLr >= 0, $"min_lr (--min-lr) must not be negative, got {MinLr}");
        Check(NoamScale > 0, $"noam_scale (--noam-scale) must be positive, got {NoamScale}");
        Check(BatchSize >= 0, $"batch_size (--batch-size) must not be negative, got {BatchSize}");
        Check(ClipNorm >= 0, $"clip_norm (--clip-norm) must not be negative (0 = off), got {ClipNorm}");
        Check(AverageLast >= 0, $"average_last (--average-last) must not be negative, got {AverageLast}");
        Check(AverageLast <= KeepCheckpoints, $"average_last (--average-last) {AverageLast} is more than keep_checkpoints {KeepCheckpoints}: only the last {KeepCheckpoints} checkpoints are kept");
        Check(LogEvery >= 1, $"log_every (--log-every) must be at least 1, got {LogEvery}");
        Check(SamplingK is null or > 0, $"sampling_k (--sampling-k) must be positive, got {SamplingK}");
        Check(SamplingC is null or >= 0, $"sampling_c (--sampling-c) must not be negative, got {SamplingC}");
        Check(SamplingMin is >= 0 and <= 1, $"sampling_min (--sampling-min) must be in [0, 1], got {SamplingMin}");
        Check(MaskProbability is > 0 and < 1, $"mask_probability (--mask-probability) must be in (0, 1), got {MaskProbability}");
    }
}
