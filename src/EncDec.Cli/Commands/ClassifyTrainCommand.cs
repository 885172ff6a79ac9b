using System.CommandLine;
using System.Globalization;
using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Cli;

/// <summary>
/// <c>encdec classify-train</c>: trains a text classifier (the MLM encoder of <c>pretrain</c> plus a classification head) on a
/// labelled file of <c>LABEL&lt;TAB&gt;TEXT</c> lines into a run folder (model.safetensors with the class names, the
/// tokenizer, config.json, metrics.jsonl). <c>translate --guide RUN --guide-label L</c> steers decoding with it.
/// </summary>
internal static class ClassifyTrainCommand
{
    private static readonly IReadOnlySet<string> Flags = new HashSet<string>(StringComparer.Ordinal)
    {
        "--train-text", "--valid-text", "--out", "--tokenizer", "--vocab-size", "--src-tokenizer", "--d-model", "--layers", "--heads",
        "--feed-forward", "--dropout", "--norm", "--activation", "--positions", "--optimizer", "--lr", "--weight-decay", "--schedule",
        "--warmup", "--max-steps", "--max-minutes", "--batch-size", "--max-length", "--clip-norm", "--seed",
    };

    /// <summary>The defaults of a small classifier (a fresh <see cref="TrainSpec"/> is sized for translation).</summary>
    internal static TrainSpec Defaults() => new()
    {
        Out = Path.Combine("runs", "classifier"), Tokenizer = "word", DModel = 64, Layers = 2, Heads = 4, FeedForward = 128,
        Schedule = "constant", Lr = 1e-3, Warmup = 0, MaxSteps = 1000, BatchSize = 32, MaxLength = 128,
    };

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var prefix = new Option<double>("--prefix-fraction")
        {
            Description = "Fraction of training texts cut to a random prefix keeping the text's label, so the classifier judges incomplete outputs (as guidance needs)",
            DefaultValueFactory = _ => 0.5,
        };
        var flags = new SpecFlags(Flags.Contains, Defaults());
        var cmd = new Command("classify-train", "Train a text classifier (encoder + classification head) on LABEL<TAB>TEXT lines, e.g. as a guide for translate --guide.") { prefix };
        foreach (var op in flags.Options) cmd.Add(op);
        cmd.SetAction((r, ct) =>
        {
            var spec = Defaults();
            flags.Apply(r, spec);
            return Task.FromResult(Run(spec, r.GetValue(prefix), stdout, ct));
        });
        return cmd;
    }

    public static int Run(TrainSpec s, double prefixFraction, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        s.Validate();
        if (!(prefixFraction is >= 0 and <= 1)) throw new UserInputException($"--prefix-fraction must be in [0, 1], got {prefixFraction.ToString(CultureInfo.InvariantCulture)}");
        if (s.TrainText is null) throw new UserInputException("--train-text is required: a file of LABEL<TAB>TEXT lines");
        var kind = CliParsers.ParseKind(s.Tokenizer, "--tokenizer");
        TrainPlan.ResolvePretrain(s, Math.Max(s.VocabSize, 1)).Model.Validate("the model settings");
        if (File.Exists(s.Out)) throw new UserInputException(s.Out, null, "--out: is a file, not a run folder");
        if (File.Exists(Path.Combine(s.Out, "model.safetensors"))) throw new UserInputException(s.Out, null, "--out: already holds a model; give a new folder");
        var train = Read(s.TrainText);
        var valid = s.ValidText is null ? new List<SentencePair>() : Read(s.ValidText);
        var labels = train.Select(p => p.Source).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (labels.Count < 2) throw new UserInputException(s.TrainText, null, $"needs at least two labels, found {labels.Count}");
        foreach (var p in valid)
            if (!labels.Contains(p.Source)) throw new UserInputException(s.ValidText!, p.Line, $"label '{p.Source}' does not occur in {s.TrainText}");
        ui.Line($"corpus: {train.Count} training texts, {valid.Count} validation texts, labels {string.Join(", ", labels)}");
        var tok = s.SrcTokenizer is not null ? Tokenizer.Load(s.SrcTokenizer) : Tokenizer.Train(kind, train.Select(p => p.Target), s.VocabSize);
        List<LabelledSequence> Encode(List<SentencePair> pairs) => pairs.Select(p => (Ids: tok.Encode(p.Target), Label: labels.IndexOf(p.Source)))
            .Where(e => e.Ids.Length > 0).Select(e => new LabelledSequence(e.Ids.Length > s.MaxLength ? e.Ids[..s.MaxLength] : e.Ids, e.Label)).ToList();
        var (pretrainConfig, options, _) = TrainPlan.ResolvePretrain(s, tok.Vocab.Count);
        var config = pretrainConfig with { NumClasses = labels.Count, ClassLabels = labels, MaxPositions = s.MaxLength + 1 };
        config.Validate("the model settings");
        CliPaths.CreateRunFolder(s.Out, "--out");
        tok.Save(Path.Combine(s.Out, "source.tokenizer.json"));
        AtomicFile.WriteAllText(Path.Combine(s.Out, "config.json"), config.ToJson());
        ui.Line($"model {ModelDescription.Describe(config)}");

        var classifier = SequenceClassifier.Build(config);
        var trainer = new ClassifierTrainer(classifier, options, new ClassifierTrainOptions(s.BatchSize > 0 ? s.BatchSize : 32, prefixFraction));
        var log = new List<string>();
        trainer.StepCompleted += st =>
        {
            if (st.Step % 50 != 0 && st.Step != options.MaxSteps) return;
            log.Add(System.Text.Json.JsonSerializer.Serialize(new { type = "step", step = st.Step, loss = double.IsFinite(st.Loss) ? st.Loss : (double?)null, lr = st.Lr }));
            ui.Line(FormattableString.Invariant($"step {st.Step}/{options.MaxSteps} loss {st.Loss:F4}"));
        };
        var result = trainer.Train(Encode(train), Encode(valid), cancel);
        log.Add(System.Text.Json.JsonSerializer.Serialize(new { type = "valid", step = result.Steps, train_accuracy = result.TrainAccuracy, valid_accuracy = result.ValidAccuracy }));
        var modelPath = Path.Combine(s.Out, "model.safetensors");
        ModelStore.Save(modelPath, classifier.Model, config, tok, null, result.Steps);
        AtomicFile.WriteAllText(Path.Combine(s.Out, "metrics.jsonl"), string.Join("\n", log) + "\n");
        ui.Line(FormattableString.Invariant($"accuracy: train {100 * result.TrainAccuracy:F1}%")
                + (result.ValidAccuracy is { } va ? FormattableString.Invariant($", validation {100 * va:F1}%") : ""));
        ui.Line($"done: {result.Steps} steps; model: {modelPath}");
        return 0;
    }

    private static List<SentencePair> Read(string path)
    {
        CliPaths.CheckInputFile(path, path);
        var pairs = LanguageModelData.Read(path, ControlCodeSource.Tsv);
        foreach (var p in pairs) if (p.Source.Length == 0) throw new UserInputException(path, p.Line, "empty label: expected LABEL<TAB>TEXT");
        return pairs;
    }
}
