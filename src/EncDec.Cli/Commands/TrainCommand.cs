using System.CommandLine;
using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Text;
using EncDec.Training;

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
            var path = r.GetValue(config);
            var spec = path is not null ? TrainSpec.FromYaml(path) : new TrainSpec();
            flags.Apply(r, spec);
            var task = CliEnum.Parse<Commands.TrainTask>(spec.Task, "--task", "training task");
            if (Commands.VisionTrainFlags.ImageTask(task) is { } image)
            {
                // an image run's settings: the file and flags over the image defaults
                spec = path is not null ? TrainSpec.FromYaml(path, Commands.VisionTrainCommand.DefaultSpec) : Commands.VisionTrainCommand.DefaultSpec();
                flags.Apply(r, spec);
                if (!r.GetValue(printConfig)) return Task.FromResult(Commands.VisionTrainCommand.Run(spec, image, stdout, ct));
                Commands.VisionTrainCommand.Check(spec);
                stdout.Write(spec.ToYaml());
                return Task.FromResult(0);
            }
            if (Commands.VisionTrainFlags.StrayFlag(spec) is { } stray) throw new UserInputException($"{stray}: an image flag needs --task image2seq|segment|dual");
            if (r.GetValue(printConfig))
            {
                spec.Validate();
                TrainPlan.Resolve(spec, 1, 1, spec.JointVocab);   // enums and combinations (the model's sizes are checked by a run)
                stdout.Write(spec.ToYaml());
                return Task.FromResult(0);
            }
            return Task.FromResult(Run(spec, stdout, ct));
        });
        return cmd;
    }

    /// <summary>Trains the settings' task (text, dialogue or speech; image tasks come with their own flags, see <see cref="Build"/>).</summary>
    public static int Run(TrainSpec s, TextWriter stdout, CancellationToken cancel)
    {
        var task = CliEnum.Parse<Commands.TrainTask>(s.Task, "--task", "training task");
        if (Commands.VisionTrainFlags.ImageTask(task) is null && Commands.VisionTrainFlags.StrayFlag(s) is { } stray)
            throw new UserInputException($"{stray}: an image flag needs --task image2seq|segment|dual");
        if (task == Commands.TrainTask.Speech) return Commands.SpeechTrainCommand.Run(s, stdout, cancel);
        Commands.SpeechTrainCommand.RefuseSpeechFlags(s);
        if (task == Commands.TrainTask.Dialogue)
            return Commands.DialogueTrainCommand.Run(s, new Commands.DialogueTrainOptions(s.ValidText, [], 0, null, null), stdout, cancel);
        if (Commands.VisionTrainFlags.ImageTask(task) is not null)
            throw new UserInputException($"--task {CliEnum.Name(task)}: an image task is trained by `encdec train` with --images and --labels, not from these settings");
        if (!s.Distributed) return Run(s, stdout, cancel, null);
        using var dist = DistributedRun.Start();
        int code;
        // a collective that timed out is the job's failure, not this process's bug: one line, and mpirun ends the rest
        try { code = Run(s, dist.IsLeader ? stdout : TextWriter.Null, cancel, dist); }
        catch (Distributed.CollectiveTimeoutException e) { throw new UserInputException(e.Message); }
        dist.Complete();
        return code;
    }

    private static int Run(TrainSpec s, TextWriter stdout, CancellationToken cancel, DistributedRun? dist)
    {
        var ui = new Ui(stdout);
        s.Validate();
        var family = TrainPlan.ParseFamily(s.Model);
        bool lm = family == ModelFamily.DecoderOnly;
        TrainPlan.CheckBeforeWork(s);   // every enum, combination and model size is checked before any work
        var bestMetric = ParseBestMetric(s.BestMetric);
        if (lm && (s.TrainText ?? s.TrainTgt) is null) throw new UserInputException("--model lm needs --train-text (or --train-tgt) (as a flag or in --config)");
        if (!lm && s.Data is null && (s.TrainSrc is null || s.TrainTgt is null))
            throw new UserInputException("--train-src and --train-tgt (or --data) are required (as flags or in --config)");
        if (lm && s.Data is not null) throw new UserInputException("--data: a preprocessed corpus is parallel; --model lm reads --train-text");
        if (File.Exists(s.Out)) throw new UserInputException(s.Out, null, "--out: is a file, not a run folder");
        var kind = CliParsers.ParseKind(s.Tokenizer, "--tokenizer");
        var pretrained = s.InitEncoder is null ? null : PretrainedEncoder.Load(s.InitEncoder);
        var (trainPairs, validPairs) = s.Data is not null ? ([], ReadValidation(s)) : lm ? ReadText(s) : ReadParallel(s);
        if (s.Data is null) ui.Line($"corpus: {trainPairs.Count} training {(lm ? "texts" : "pairs")}, {validPairs.Count} validation {(lm ? "texts" : "pairs")}");

        using var stop = new StopSignals(cancel, stdout);
        if (dist is { IsLeader: false }) return Train(s, ui, stop, lm, kind, bestMetric, pretrained, trainPairs, validPairs, dist);   // reads the folder rank 0 prepares
        bool newFolder = !Directory.Exists(s.Out);
        CliPaths.CreateRunFolder(s.Out, "--out");
        using var runLock = RunLock.Acquire(s.Out, ui.Line);
        stop.BeforeImmediateExit = runLock.Release;
        try { return Train(s, ui, stop, lm, kind, bestMetric, pretrained, trainPairs, validPairs, dist); }
        catch (UserInputException) when (newFolder)
        {
            // a mistake found before training leaves no run folder behind (only the lock was in it)
            runLock.Release();
            if (!Directory.EnumerateFileSystemEntries(s.Out).Any(f => !f.EndsWith(".tokenizer.json", StringComparison.Ordinal))) Directory.Delete(s.Out, recursive: true);
            throw;
        }
    }

    private static int Train(TrainSpec s, Ui ui, StopSignals stop, bool lm, TokenizerKind kind, ValidationMetric bestMetric,
                             PretrainedEncoder? pretrained, List<SentencePair> trainPairs, List<SentencePair> validPairs, DistributedRun? dist)
    {
        bool leader = dist is null || dist.IsLeader;
        if (leader && s.Fresh && RunFolder.MoveAside(s.Out) is { } aside) ui.Line($"--fresh: moved the previous run's checkpoints, model and metrics to {aside}");
        dist?.Group.Barrier();   // every rank now sees the folder as rank 0 left it: all resume from the same checkpoint
        var resumeFrom = s.Fresh ? null : RunFolder.FindResumable(s.Out, w => ui.Line("warning: " + w));

        ITokenizer src, tgt;
        var srcPath = Path.Combine(s.Out, "source.tokenizer.json");
        var tgtPath = Path.Combine(s.Out, "target.tokenizer.json");
        bool givenTokenizers = s.SrcTokenizer is not null || s.TgtTokenizer is not null;
        // Settings a resumed run must keep (stored in every checkpoint, checked on resume): what picks the best
        // checkpoint, and what a trained vocabulary came from.
        var settings = new Dictionary<string, string> { ["best_metric"] = bestMetric.ToString().ToLowerInvariant() };
        if (!givenTokenizers)
        {
            settings["tokenizer"] = kind.ToString().ToLowerInvariant();
            settings["vocab_size"] = s.VocabSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["joint_vocab"] = s.JointVocab ? "true" : "false";
        }
        using var folder = s.Data is null ? null : TrainData.FromFolder(s, ui, resumeFrom is not null);
        if (folder is not null) (src, tgt) = (folder.Source, folder.Target);
        else if (resumeFrom is not null)
        {
            (src, tgt) = ResumedTokenizers(resumeFrom, srcPath, tgtPath);
            RunFolder.CheckCompatible(resumeFrom, "{}", settings);
            if (givenTokenizers) CheckGivenTokenizers(resumeFrom, s, src, tgt);
        }
        else if (lm && (s.SrcTokenizer ?? s.TgtTokenizer) is { } lmTok) src = tgt = Tokenizer.Load(lmTok);
        else if (pretrained is not null && !givenTokenizers)
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
        else (src, tgt) = TrainData.ResolveTokenizers(s.SrcTokenizer, s.TgtTokenizer, kind, s.VocabSize, s.JointVocab, trainPairs, ui);   // as preprocess
        pretrained?.CheckTokenizer(src);
        bool shared = ReferenceEquals(src, tgt) || src.ToJson() == tgt.ToJson();
        var plan = TrainPlan.Resolve(s, src.Vocab.Count, tgt.Vocab.Count, shared);
        pretrained?.CheckConfig(plan.Model);
        if (leader) { src.Save(srcPath); tgt.Save(tgtPath); }

        // a language model's prefix (its control codes) may be empty
        var filter = new LengthFilter { MinTokens = lm ? 0 : 1, MaxSrcTokens = s.MaxLength, MaxTgtTokens = s.MaxLength };
        var stats = new FilterStats();
        IReadOnlyList<Example> trainEx;
        if (folder is not null) trainEx = folder.Train;   // memory-mapped shards, filtered by --max-length there
        else
        {
            trainEx = Examples.Tokenize(trainPairs, src, tgt, filter, stats).Where(e => e.Tgt.Length > 0).ToList();
            if (trainEx.Count == 0) throw new UserInputException($"{s.TrainSrc ?? s.TrainText ?? s.TrainTgt}: no training pair is within --max-length {s.MaxLength} tokens");
            if (stats.Dropped > 0) ui.Line($"dropped {stats.Dropped} training pairs outside the length limits");
        }
        var (config, options, batching) = plan;
        var (validEx, validRefs) = folder is not null && validPairs.Count == 0
            ? (folder.Valid.ToList(), folder.Valid.Select(e => tgt.Decode(e.Tgt)).ToList())   // a shard holds ids only: detokenised references
            : TrainData.ValidationSet(validPairs, src, tgt, config.MaxPositions - 2, lm, ui);
        options = options with { ValidDecodeLimit = int.MaxValue, BestMetric = bestMetric };
        ui.Line($"model {ModelDescription.Describe(config)}");

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

        if (pretrained is not null && resumeFrom is null) ui.Line($"encoder and source embeddings from {pretrained.Path}");
        var job = new TrainJob(s.Out, config, options, batching, trainEx, validEx, validRefs, src, tgt)
        {
            ResumeFrom = resumeFrom, Settings = settings, AverageLast = s.AverageLast,
            Initialize = pretrained is null ? null : pretrained.LoadInto,
            DataParallel = dist?.Group, WritesFiles = leader,
        };
        return TrainRun.Report(ui, TrainRun.Run(ui, job, stop.Token), stop);
    }

    /// <summary>The validation pairs given next to a preprocessed corpus (--valid-src/--valid-tgt), if any.</summary>
    private static List<SentencePair> ReadValidation(TrainSpec s)
    {
        if (s.TrainSrc is not null || s.TrainTgt is not null) throw new UserInputException("--data: give either --data or --train-src/--train-tgt, not both");
        if (s.ValidSrc is not null ^ s.ValidTgt is not null) throw new UserInputException("give both --valid-src and --valid-tgt, or neither");
        return s.ValidSrc is not null && s.ValidTgt is not null ? ParallelCorpus.FromFiles(s.ValidSrc, s.ValidTgt).ToList() : [];
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

    internal static ValidationMetric ParseBestMetric(string s) => s.ToLowerInvariant() switch
    {
        "loss" => ValidationMetric.Loss, "bleu" => ValidationMetric.Bleu,
        _ => throw new UserInputException($"--best-metric: unknown metric '{s}' (expected loss or bleu)"),
    };

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
        Check(s.SrcTokenizer ?? s.TgtTokenizer, s.SrcTokenizer is null ? "--tgt-tokenizer" : "--src-tokenizer", src, "source");
        Check(s.TgtTokenizer ?? s.SrcTokenizer, s.TgtTokenizer is null ? "--src-tokenizer" : "--tgt-tokenizer", tgt, "target");
    }
}
