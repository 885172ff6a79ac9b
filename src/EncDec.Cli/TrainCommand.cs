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
        var config = new Option<string?>("--config") { Description = "YAML file of settings (snake_case keys, named as the flags; flags override it)" };
        var printConfig = new Option<bool>("--print-config") { Description = "Print the merged settings (file + flags) as YAML and exit without training" };
        var flags = new SpecFlags(name => !SpecFlags.PretrainOnly.Contains(name));
        var cmd = new Command("train", "Train an encoder-decoder on a parallel corpus, or a decoder-only language model (--model lm) on text.")
        { config, printConfig };
        foreach (var op in flags.Options) cmd.Add(op);
        cmd.SetAction((r, ct) =>
        {
            var spec = r.GetValue(config) is { } path ? TrainSpec.FromYaml(path) : new TrainSpec();
            flags.Apply(r, spec);
            if (r.GetValue(printConfig))
            {
                spec.Validate();
                TrainPlan.Resolve(spec, 1, 1, spec.JointVocab);   // the same checks a run makes
                stdout.Write(spec.ToYaml());
                return Task.FromResult(0);
            }
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

    internal static RnnCellKind ParseCell(string s) => CliEnum.Parse(s, "--cell", "cell", [RnnCellKind.Lstm, RnnCellKind.Gru, RnnCellKind.Rnn]);

    internal static SamplingDecay ParseDecay(string s) => CliEnum.Parse<SamplingDecay>(s, "--scheduled-sampling", "decay");

    public static int Run(TrainSpec s, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        var family = TrainPlan.ParseFamily(s.Model);
        bool lm = family == ModelFamily.DecoderOnly;
        s.Validate();
        TrainPlan.Resolve(s, 1, 1, s.JointVocab);   // every enum and combination is checked before any work
        if (lm && (s.TrainText ?? s.TrainTgt) is null) throw new UserInputException("--model lm needs --train-text (or --train-tgt) (as a flag or in --config)");
        if (!lm && (s.TrainSrc is null || s.TrainTgt is null)) throw new UserInputException("--train-src and --train-tgt are required (as flags or in --config)");
        if (File.Exists(s.Out)) throw new UserInputException(s.Out, null, "--out: is a file, not a run folder");
        var kind = TokenizerCli.ParseKind(s.Tokenizer, "--tokenizer");
        var pretrained = s.InitEncoder is null ? null : PretrainedEncoder.Load(s.InitEncoder);
        var (trainPairs, validPairs) = lm ? ReadText(s) : ReadParallel(s);
        ui.Line($"corpus: {trainPairs.Count} training {(lm ? "texts" : "pairs")}, {validPairs.Count} validation {(lm ? "texts" : "pairs")}");

        bool resume = !s.Fresh && TrainRun.LatestCheckpoint(s.Out) is not null;
        ITokenizer src, tgt;
        var srcPath = Path.Combine(s.Out, "source.tokenizer.json");
        var tgtPath = Path.Combine(s.Out, "target.tokenizer.json");
        if (resume && File.Exists(srcPath) && File.Exists(tgtPath)) { src = Tokenizer.Load(srcPath); tgt = Tokenizer.Load(tgtPath); }
        else if (lm && (s.SrcTokenizer ?? s.TgtTokenizer) is { } lmTok) src = tgt = Tokenizer.Load(lmTok);
        else if (s.SrcTokenizer is not null || s.TgtTokenizer is not null)
        {
            src = Tokenizer.Load(s.SrcTokenizer ?? s.TgtTokenizer!);
            tgt = Tokenizer.Load(s.TgtTokenizer ?? s.SrcTokenizer!);
        }
        else if (pretrained is not null)
        {
            src = pretrained.Tokenizer;
            ui.Line($"source tokenizer: the pretrain run's ({src.Vocab.Count} tokens)");
            tgt = s.JointVocab ? src : Tokenizer.Train(kind, trainPairs.Select(p => p.Target), s.VocabSize);
        }
        else if (lm)
        {
            var codes = LanguageModelData.Codes(trainPairs);
            ui.Line($"training a {kind.ToString().ToLowerInvariant()} tokenizer ({s.VocabSize} tokens, {codes.Count} control codes)");
            src = tgt = Tokenizer.Train(kind, trainPairs.Select(p => p.Target), s.VocabSize, controlTokens: codes);
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
        pretrained?.CheckTokenizer(src);
        bool shared = ReferenceEquals(src, tgt) || src.ToJson() == tgt.ToJson();
        var plan = TrainPlan.Resolve(s, src.Vocab.Count, tgt.Vocab.Count, shared);
        pretrained?.CheckConfig(plan.Model);
        CliPaths.CreateRunFolder(s.Out, "--out");
        src.Save(srcPath); tgt.Save(tgtPath);

        // a language model's prefix (its control codes) may be empty
        var filter = new LengthFilter { MinTokens = lm ? 0 : 1, MaxSrcTokens = s.MaxLength, MaxTgtTokens = s.MaxLength };
        var stats = new FilterStats();
        var trainEx = Examples.Tokenize(trainPairs, src, tgt, filter, stats).Where(e => e.Tgt.Length > 0).ToList();
        if (trainEx.Count == 0) throw new UserInputException($"{s.TrainSrc ?? s.TrainText ?? s.TrainTgt}: no training pair is within --max-length {s.MaxLength} tokens");
        if (stats.Dropped > 0) ui.Line($"dropped {stats.Dropped} training pairs outside the length limits");
        var validEx = Examples.Tokenize(validPairs, src, tgt, filter).Where(e => e.Tgt.Length > 0).ToList();
        var (config, options, batching) = plan;
        ui.Line($"model {DemoCommand.Describe(config)}");

        if (pretrained is not null && !resume) ui.Line($"encoder and source embeddings from {pretrained.Path}");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); ui.Line("stopping: saving a checkpoint…"); };
        Console.CancelKeyPress += onCancel;
        try
        {
            var run = TrainRun.Run(ui, s.Out, config, options, batching, trainEx, validEx.Count > 0 ? validEx : null!, src, tgt, resume, cts.Token,
                                   pretrained is null ? null : pretrained.LoadInto);
            ui.Line($"done: {run.Result.Steps} steps ({run.Result.Reason}); model: {run.ModelPath}");
            if (run.Result.BestValidation is { } b) ui.Line("best " + Ui.FormatValidation(b));
        }
        finally { Console.CancelKeyPress -= onCancel; }
        return 0;
    }

    /// <summary>The training and validation pairs of a parallel corpus.</summary>
    private static (List<SentencePair> Train, List<SentencePair> Valid) ReadParallel(TrainSpec s)
    {
        if (s.ValidSrc is not null ^ s.ValidTgt is not null) throw new UserInputException("give both --valid-src and --valid-tgt, or neither");
        var train = ParallelCorpus.FromFiles(s.TrainSrc!, s.TrainTgt!).ToList();
        var valid = s.ValidSrc is not null && s.ValidTgt is not null ? ParallelCorpus.FromFiles(s.ValidSrc, s.ValidTgt).ToList() : new List<SentencePair>();
        return (train, valid);
    }

    /// <summary>A language model's texts as (control codes, text) pairs.</summary>
    private static (List<SentencePair> Train, List<SentencePair> Valid) ReadText(TrainSpec s)
    {
        var control = CliEnum.Parse<ControlCodeSource>(s.Control, "--control", "control-code source");
        var train = LanguageModelData.Read((s.TrainText ?? s.TrainTgt)!, control);
        var validPath = s.ValidText ?? s.ValidTgt;
        return (train, validPath is null ? new List<SentencePair>() : LanguageModelData.Read(validPath, control));
    }
}
