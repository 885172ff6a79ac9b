using System.CommandLine;
using System.Reflection;

namespace EncDec.Cli;

/// <summary>One flag of <c>train</c> / <c>pretrain</c>: its name (the kebab-case of a <see cref="TrainSpec"/> property) and help.</summary>
internal sealed record FlagDef(string Name, string Help);

/// <summary>
/// The flags of the training commands, bound to <see cref="TrainSpec"/> by name: flag <c>--d-model</c> sets property
/// <c>DModel</c>, whose YAML key is <c>d_model</c>. A flag that is given overrides the config file; one that is not leaves it.
/// </summary>
internal sealed class SpecFlags
{
    private const string ScheduleHelp =
        "LR schedule of update t: constant (lr) | step (lr·gamma^floor((t−1)/step_size)) | "
        + "noam (noam_scale·d_model^−0.5·min(t^−0.5, t·warmup^−1.5)) | inverse-sqrt (linear warm-up to lr, then lr·sqrt(warmup/t)) | "
        + "cosine (linear warm-up to lr, then min_lr + (lr − min_lr)·(1 + cos(π·p))/2) | linear (linear warm-up to lr, then lr + (min_lr − lr)·p); "
        + "p = (t − warmup)/(decay_steps − warmup) clamped to [0, 1]";

    private const string SamplingHelp =
        "Scheduled sampling none|linear|exponential|inverse-sigmoid: at step i (0-based) the decoder gets the gold token with probability ε_i, "
        + "else its own prediction. linear ε_i = max(min, k − c·i); exponential ε_i = max(min, k^i); inverse-sigmoid ε_i = max(min, k/(k + exp(i/k))). "
        + "Defaults from N = max_steps: linear k = 1, c = (1 − min)/(N − 1) (ε reaches min at the last step); exponential k = max(min, 0.01)^(1/(N − 1)) "
        + "(reaches max(min, 0.01) at the last step); inverse-sigmoid k solves k·ln k = N/2 (ε = 0.5 at half the run)";

    /// <summary>Every flag, in help order.</summary>
    public static readonly IReadOnlyList<FlagDef> All =
    [
        new("--data", "Preprocessed corpus folder (encdec preprocess: memory-mapped token shards) instead of --train-src/--train-tgt"),
        new("--task", "text (default: --train-src/--train-tgt, or --model lm with --train-text) | dialogue (--data FILE.jsonl of conversations, "
            + "as `encdec dialogue train`; --valid-text is the validation JSONL) | speech (--audio, --transcripts) | image2seq | segment | dual "
            + "(--images, --labels: an image folder)"),
        new("--train-src", "Training source file (one sentence per line)"),
        new("--train-tgt", "Training target file, line-aligned with the source (--model lm: the monolingual text)"),
        new("--valid-src", "Validation source file"),
        new("--valid-tgt", "Validation target file (--model lm: validation text)"),
        new("--train-text", "Monolingual training text (--model lm, pretrain); with --control tsv: CODES<TAB>TEXT per line"),
        new("--valid-text", "Monolingual validation text"),
        new("--control", "Control codes of a language model: none | tsv (first column: space-separated codes) | prefix (leading <...> tokens of a line)"),
        new("--out", "Run folder (checkpoints, logs, final model); an existing train run is resumed"),
        new("--fresh", "Ignore checkpoints in the run folder and start over"),
        new("--distributed", "Data-parallel training over MPI: start with `mpirun -np N encdec train … --distributed`; rank r trains on every N-th "
            + "batch of each step (N ranks = one process with N× --grad-accumulation), gradients are averaged while backward runs, rank 0 "
            + "alone writes the run folder. ENCDEC_THREADS sets the threads per rank, ENCDEC_COLLECTIVE_TIMEOUT the seconds a collective may take"),
        new("--tokenizer", "bpe|word|char (trained when no tokenizer files are given)"),
        new("--vocab-size", "Tokenizer vocabulary size"),
        new("--joint-vocab", "One tokenizer for source and target (default true)"),
        new("--src-tokenizer", "Existing source tokenizer JSON"),
        new("--tgt-tokenizer", "Existing target tokenizer JSON"),
        new("--model", "transformer|rnn|lm (decoder-only language model)"),
        new("--d-model", "Transformer width / RNN embedding size"),
        new("--hidden-size", "RNN hidden size (per direction in the encoder)"),
        new("--layers", "Encoder and decoder layers (unless --encoder-layers / --decoder-layers are given)"),
        new("--encoder-layers", "Encoder layers"),
        new("--decoder-layers", "Decoder layers (--model lm: its layers)"),
        new("--heads", "Attention heads"),
        new("--feed-forward", "Feed-forward size"),
        new("--dropout", "Dropout probability"),
        new("--norm", "post|pre: layer norm after (original Transformer) or before each sublayer"),
        new("--activation", "relu|gelu feed-forward activation"),
        new("--positions", "sinusoidal|learned positional encodings"),
        new("--tie-output", "The output layer reuses the target embedding matrix"),
        new("--final-norm", "A LayerNorm after the last encoder and decoder layer, as nn.Transformer (default: only with --norm pre)"),
        new("--share-embeddings", "One embedding matrix for source and target (default: when the vocabulary is joint, Transformer)"),
        new("--cell", "lstm|gru|rnn (RNN models)"),
        new("--attention", "bahdanau|luong-dot|luong-general|luong-concat|none (RNN models)"),
        new("--context", "last-state|mean-state: the fixed context of an RNN decoder without attention"),
        new("--bidirectional", "Bidirectional RNN encoder (default true)"),
        new("--input-feeding", "Feed the previous attentional vector into the next RNN decoder step (default true)"),
        new("--init-encoder", "Pretrain run folder or model file whose encoder (and embeddings) initialise the Transformer encoder"),
        new("--optimizer", "sgd|adam|adamw|adagrad"),
        new("--lr", "Peak learning rate"),
        new("--momentum", "SGD momentum"),
        new("--nesterov", "SGD Nesterov momentum"),
        new("--beta1", "Adam/AdamW beta1"),
        new("--beta2", "Adam/AdamW beta2"),
        new("--eps", "Adam/AdamW/Adagrad epsilon (default 1e-8; Adagrad 1e-10)"),
        new("--weight-decay", "Weight decay (L2 for sgd/adam/adagrad, decoupled for adamw)"),
        new("--amsgrad", "Adam/AdamW AMSGrad variant"),
        new("--schedule", ScheduleHelp),
        new("--warmup", "Warm-up steps"),
        new("--step-size", "step schedule: updates between decays"),
        new("--gamma", "step schedule: decay factor"),
        new("--decay-steps", "cosine/linear schedules: the update at which min_lr is reached (default: max_steps)"),
        new("--min-lr", "cosine/linear schedules: final learning rate"),
        new("--noam-scale", "noam schedule: scale factor"),
        new("--max-steps", "Optimizer steps"),
        new("--max-minutes", "Stop after this many minutes"),
        new("--batch-tokens", "Tokens per batch (with padding)"),
        new("--batch-size", "Sentences per batch instead of a token budget (0 = use --batch-tokens)"),
        new("--max-length", "Longest sentence kept, in tokens (longer training pairs are dropped)"),
        new("--label-smoothing", "Label smoothing"),
        new("--clip-norm", "Global gradient-norm clipping (0 = off)"),
        new("--grad-accumulation", "Batches summed into one optimizer step"),
        new("--patience", "Stop after this many validations without improvement (0 = never)"),
        new("--valid-every", "Validate every N steps"),
        new("--checkpoint-every", "Checkpoint every N steps"),
        new("--keep-checkpoints", "Rotating checkpoints kept"),
        new("--log-every", "Log to metrics.jsonl every N steps"),
        new("--scheduled-sampling", SamplingHelp),
        new("--sampling-k", "Scheduled sampling k (default: derived from --max-steps)"),
        new("--sampling-c", "Linear scheduled sampling slope c (default: derived from --max-steps)"),
        new("--sampling-min", "Scheduled sampling floor: the smallest gold-token probability"),
        new("--seed", "Random seed"),
        new("--average-last", "At the end, average the last K checkpoints and keep the average when it validates better (0 = no)"),
        new("--best-metric", "loss|bleu: what picks the best checkpoint (and early stopping)"),
        new("--audio", "--task speech: folder of the training WAV files"),
        new("--transcripts", "--task speech: FILE<TAB>TRANSCRIPT lines, FILE relative to --audio"),
        new("--valid-audio", "--task speech: folder of the validation WAV files (default: --audio)"),
        new("--valid-transcripts", "--task speech: validation FILE<TAB>TRANSCRIPT lines (WER/CER at the end)"),
        new("--ctc-weight", "--task speech: weight λ of an auxiliary CTC loss on the encoder, loss = (1 − λ)·cross-entropy + λ·CTC (0 = no CTC head)"),
        new("--images", "--task image2seq|segment|dual: the image folder (PNG/JPEG) the labels files name images in"),
        new("--labels", "--task image2seq|segment|dual: training labels, NAME<TAB>TEXT a line (segment: NAME<TAB>MASK.png, grey value = class)"),
        new("--valid-labels", "--task image2seq|segment|dual: validation labels (same format and folder), scored every --valid-every steps"),
        new("--image-encoder", "--task image2seq|dual: cnn (residual blocks) | vit (patches) [default: cnn]"),
        new("--channels", "--task image2seq|segment|dual: 1 (grey) or 3 (RGB) input channels [default: 3]"),
        new("--mask-probability", "Fraction of tokens chosen for masked-LM prediction (BERT: 80% MASK, 10% random, 10% kept)"),
    ];

    /// <summary>The flags of <c>encdec pretrain</c>.</summary>
    public static readonly IReadOnlySet<string> Pretrain = new HashSet<string>(StringComparer.Ordinal)
    {
        "--train-text", "--valid-text", "--out", "--tokenizer", "--vocab-size", "--src-tokenizer", "--d-model", "--layers", "--encoder-layers",
        "--heads", "--feed-forward", "--dropout", "--norm", "--activation", "--positions", "--optimizer", "--lr", "--momentum", "--nesterov",
        "--beta1", "--beta2", "--eps", "--weight-decay", "--amsgrad", "--schedule", "--warmup", "--step-size", "--gamma", "--decay-steps",
        "--min-lr", "--noam-scale", "--max-steps", "--max-minutes", "--batch-tokens", "--batch-size", "--max-length", "--clip-norm",
        "--grad-accumulation", "--valid-every", "--checkpoint-every", "--keep-checkpoints", "--log-every", "--seed", "--mask-probability",
    };

    /// <summary>Flags of <c>encdec pretrain</c> only.</summary>
    public static readonly IReadOnlySet<string> PretrainOnly = new HashSet<string>(StringComparer.Ordinal) { "--mask-probability" };

    private readonly List<(Option Option, Action<ParseResult, TrainSpec> Apply)> _bound = new();

    /// <summary>Options for the flags selected by <paramref name="include"/>; their help shows the values of <paramref name="defaults"/>.</summary>
    public SpecFlags(Func<string, bool> include, TrainSpec? defaults = null)
    {
        defaults ??= new TrainSpec();
        foreach (var f in All.Where(f => include(f.Name))) _bound.Add(Bind(f, defaults));
    }

    public IEnumerable<Option> Options => _bound.Select(b => b.Option);

    /// <summary>Copies every given flag into <paramref name="spec"/>.</summary>
    public void Apply(ParseResult r, TrainSpec spec)
    {
        foreach (var (_, apply) in _bound) apply(r, spec);
    }

    /// <summary>The <see cref="TrainSpec"/> property of a flag: <c>--d-model</c> → <c>DModel</c>.</summary>
    public static PropertyInfo Property(string flag)
    {
        string name = string.Concat(flag.TrimStart('-').Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
        return typeof(TrainSpec).GetProperty(name, BindingFlags.Public | BindingFlags.Instance)
               ?? throw new InvalidOperationException($"flag {flag} has no TrainSpec property {name}");
    }

    private static (Option, Action<ParseResult, TrainSpec>) Bind(FlagDef f, TrainSpec defaults)
    {
        var p = Property(f.Name);
        var d = p.GetValue(defaults);
        string shown = d switch { null => "", bool b => b ? "true" : "false", IFormattable n => n.ToString(null, System.Globalization.CultureInfo.InvariantCulture), _ => d.ToString() ?? "" };
        if (shown.Length > 0) f = f with { Help = $"{f.Help} [default: {shown}]" };
        var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        if (t == typeof(string)) return Typed<string?>(f, p);
        if (t == typeof(int)) return Typed<int?>(f, p);
        if (t == typeof(long)) return Typed<long?>(f, p);
        if (t == typeof(float)) return Typed<float?>(f, p);
        if (t == typeof(double)) return Typed<double?>(f, p);
        if (t == typeof(bool)) return Typed<bool?>(f, p);
        throw new InvalidOperationException($"flag {f.Name}: unsupported type {t}");
    }

    private static (Option, Action<ParseResult, TrainSpec>) Typed<T>(FlagDef f, PropertyInfo p)
    {
        var op = new Option<T>(f.Name) { Description = f.Help };
        return (op, (r, s) => { var v = r.GetValue(op); if (v is not null) p.SetValue(s, v); });
    }
}
