using EncDec.Data;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Optim;
using EncDec.Training;

namespace EncDec.Cli;

/// <summary>What a <see cref="TrainSpec"/> means for the library: the model, the trainer and the batching.</summary>
internal sealed record TrainPlan(ModelConfig Model, TrainerOptions Trainer, BatcherOptions Batching)
{
    /// <summary>The model family of <c>--model</c>: transformer, rnn (alias lstm) or lm (decoder-only).</summary>
    public static ModelFamily ParseFamily(string s) => s.Trim().ToLowerInvariant() switch
    {
        "transformer" => ModelFamily.Transformer, "rnn" or "lstm" => ModelFamily.Rnn, "lm" or "decoder-only" => ModelFamily.DecoderOnly,
        _ => throw new UserInputException($"--model: unknown model type '{s}' (expected transformer, rnn or lm)"),
    };

    /// <summary>
    /// Turns settings into library options for vocabularies of the given sizes (<paramref name="jointVocab"/>: source and
    /// target share one tokenizer). Every enum is parsed here, so a bad value fails before any work.
    /// </summary>
    public static TrainPlan Resolve(TrainSpec s, int srcVocab, int tgtVocab, bool jointVocab)
    {
        var family = ParseFamily(s.Model);
        CliParsers.ParseKind(s.Tokenizer, "--tokenizer");
        CliEnum.Parse<ControlCodeSource>(s.Control, "--control", "control-code source");
        bool share = s.ShareEmbeddings ?? (jointVocab && family == ModelFamily.Transformer);
        if (share && family == ModelFamily.DecoderOnly) share = false;
        if (share && srcVocab != tgtVocab)
            throw new UserInputException($"--share-embeddings needs one vocabulary for both sides (source {srcVocab}, target {tgtVocab} tokens): use --joint-vocab");
        var model = Architecture(s, family) with
        {
            SrcVocabSize = family == ModelFamily.DecoderOnly ? 0 : srcVocab, TgtVocabSize = tgtVocab,
            HiddenSize = s.HiddenSize, Cell = CliParsers.ParseCell(s.Cell), Attention = CliParsers.ParseAttention(s.Attention),
            Context = CliEnum.Parse<ContextKind>(s.Context, "--context", "context"), Bidirectional = s.Bidirectional, InputFeeding = s.InputFeeding,
            ShareEmbeddings = share, TieOutput = s.TieOutput, FinalNorm = s.FinalNorm,
            // a language model sees its prefix and its text in one sequence
            MaxPositions = Math.Max(1024, (family == ModelFamily.DecoderOnly ? 2 * s.MaxLength : s.MaxLength) + 2),
        };
        var decay = CliParsers.ParseDecay(s.ScheduledSampling);
        var trainer = Common(s, model.DModel) with
        {
            LabelSmoothing = s.LabelSmoothing, EarlyStoppingPatience = s.Patience,
            ScheduledSampling = ScheduledSamplingOptions.ForRun(decay, s.MaxSteps, s.SamplingMin, s.SamplingK, s.SamplingC),
            ValidDecode = family != ModelFamily.DecoderOnly,   // BLEU of a language model's continuations means nothing
        };
        return new TrainPlan(model, trainer, BatchingOf(s));
    }

    /// <summary>
    /// The checks a run makes before reading data or creating anything: every enum and combination (<see cref="Resolve"/>),
    /// and the model's sizes and memory (<see cref="ModelConfig.Validate"/>) for vocabularies of up to vocab_size tokens
    /// when the tokenizers are to be trained (the trained ones are no larger, but for a byte fallback's few hundred).
    /// </summary>
    public static void CheckBeforeWork(TrainSpec s)
    {
        bool trained = s.SrcTokenizer is null && s.TgtTokenizer is null && s.Data is null;
        int vocab = trained ? Math.Max(s.VocabSize, 1) : 1;
        Resolve(s, vocab, vocab, s.JointVocab).Model.Validate("the model settings");
    }

    /// <summary>The encoder-only model and the options of <c>encdec pretrain</c>.</summary>
    public static TrainPlan ResolvePretrain(TrainSpec s, int vocab)
    {
        var model = Architecture(s, ModelFamily.EncoderOnly) with { SrcVocabSize = vocab, MaxPositions = Math.Max(1024, s.MaxLength + 2) };
        return new TrainPlan(model, Common(s, model.DModel), BatchingOf(s));
    }

    /// <summary>The Transformer structure settings every family shares.</summary>
    private static ModelConfig Architecture(TrainSpec s, ModelFamily family) => new()
    {
        Family = family, DModel = s.DModel, Heads = s.Heads, FeedForward = s.FeedForward, Dropout = s.Dropout,
        EncoderLayers = s.EncoderLayers ?? s.Layers, DecoderLayers = s.DecoderLayers ?? s.Layers,
        Norm = CliEnum.Parse<NormPosition>(s.Norm, "--norm", "norm position"),
        Activation = CliEnum.Parse<Activation>(s.Activation, "--activation", "activation"),
        Positional = CliEnum.Parse<PositionalKind>(s.Positions, "--positions", "positional encoding"),
        Seed = (ulong)s.Seed,
    };

    /// <summary>Optimizer, schedule, steps, clipping, accumulation, validation and checkpoint settings.</summary>
    private static TrainerOptions Common(TrainSpec s, int dModel) => new()
    {
        MaxSteps = s.MaxSteps, MaxMinutes = s.MaxMinutes, Optimizer = Optimizer(s), Schedule = Schedule(s, dModel),
        ClipNorm = s.ClipNorm, GradAccumulation = s.GradAccumulation,
        ValidEvery = s.ValidEvery, CheckpointEvery = s.CheckpointEvery, KeepLastCheckpoints = s.KeepCheckpoints,
        Seed = (ulong)s.Seed, LogEvery = s.LogEvery, ValidMaxLength = s.MaxLength,
    };

    public static OptimizerOptions Optimizer(TrainSpec s)
    {
        var kind = CliEnum.Parse<OptimizerKind>(s.Optimizer, "--optimizer", "optimizer");
        if (s.Nesterov && (kind != OptimizerKind.Sgd || s.Momentum <= 0))
            throw new UserInputException("--nesterov needs --optimizer sgd with a positive --momentum");
        if (s.Amsgrad && kind is not (OptimizerKind.Adam or OptimizerKind.AdamW))
            throw new UserInputException("--amsgrad needs --optimizer adam or adamw");
        return new OptimizerOptions(kind, s.Lr, WeightDecay: s.WeightDecay, Momentum: s.Momentum, Nesterov: s.Nesterov,
                                    Beta1: s.Beta1, Beta2: s.Beta2, Eps: s.Eps, Amsgrad: s.Amsgrad);
    }

    public static LrScheduleConfig Schedule(TrainSpec s, int dModel)
    {
        var kind = CliEnum.Parse<LrScheduleKind>(s.Schedule, "--schedule", "schedule");
        if (kind == LrScheduleKind.Noam && s.Warmup < 1) throw new UserInputException("--schedule noam needs --warmup of at least 1");
        long total = s.DecaySteps ?? s.MaxSteps;
        if (kind is LrScheduleKind.Cosine or LrScheduleKind.Linear && total <= s.Warmup)
            throw new UserInputException($"--schedule {CliEnum.Name(kind)}: decay_steps (--decay-steps, default max_steps) {total} must exceed --warmup {s.Warmup}");
        return new LrScheduleConfig(kind, s.Lr, WarmupSteps: s.Warmup, TotalSteps: total, StepSize: s.StepSize, Gamma: s.Gamma,
                                    MinLr: s.MinLr, DModel: dModel, Scale: s.NoamScale);
    }

    private static BatcherOptions BatchingOf(TrainSpec s) => new() { MaxTokens = s.BatchTokens, BatchSize = s.BatchSize, Shuffle = true, Seed = s.Seed };
}
