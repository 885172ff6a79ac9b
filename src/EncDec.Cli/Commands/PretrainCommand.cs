using System.CommandLine;
using System.Text.Json;
using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Cli;

/// <summary>
/// <c>encdec pretrain</c>: masked-LM pretraining of an encoder-only Transformer on monolingual text into a run folder
/// (tokenizer, checkpoints, model.safetensors, config.json, metrics.jsonl). <c>encdec train --init-encoder RUN</c>
/// then starts an encoder-decoder from its encoder.
/// </summary>
internal static class PretrainCommand
{
    private static readonly string DefaultOut = Path.Combine("runs", "pretrain");

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var config = new Option<string?>("--config") { Description = "YAML file of settings (the keys of encdec train; flags override it)" };
        var printConfig = new Option<bool>("--print-config") { Description = "Print the merged settings as YAML and exit without training" };
        var flags = new SpecFlags(SpecFlags.Pretrain.Contains, new TrainSpec { Out = DefaultOut });
        var cmd = new Command("pretrain", "Masked-LM pretraining of a Transformer encoder on monolingual text (for train --init-encoder).") { config, printConfig };
        foreach (var op in flags.Options) cmd.Add(op);
        cmd.SetAction((r, ct) =>
        {
            var spec = r.GetValue(config) is { } path ? TrainSpec.FromYaml(path) : new TrainSpec();
            if (spec.Out == new TrainSpec().Out) spec.Out = DefaultOut;
            flags.Apply(r, spec);
            spec.Validate();
            TrainPlan.ResolvePretrain(spec, Math.Max(spec.VocabSize, 1)).Model.Validate("the model settings");
            if (r.GetValue(printConfig)) { stdout.Write(spec.ToYaml()); return Task.FromResult(0); }
            return Task.FromResult(Run(spec, stdout, ct));
        });
        return cmd;
    }

    public static int Run(TrainSpec s, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        s.Validate();
        if (s.TrainText is null) throw new UserInputException("--train-text is required (as a flag or in --config)");
        var kind = CliParsers.ParseKind(s.Tokenizer, "--tokenizer");
        TrainPlan.ResolvePretrain(s, Math.Max(s.VocabSize, 1)).Model.Validate("the model settings");
        if (File.Exists(s.Out)) throw new UserInputException(s.Out, null, "--out: is a file, not a run folder");
        if (TrainRun.LatestCheckpoint(s.Out) is not null || File.Exists(Path.Combine(s.Out, "model.safetensors")))
            throw new UserInputException(s.Out, null, "--out: already holds a run; pretraining starts over, so give a new folder");
        var train = LanguageModelData.Read(s.TrainText, ControlCodeSource.None).Select(p => p.Target).ToList();
        var valid = s.ValidText is null ? new List<string>() : LanguageModelData.Read(s.ValidText, ControlCodeSource.None).Select(p => p.Target).ToList();
        ui.Line($"corpus: {train.Count} training lines, {valid.Count} validation lines");
        ITokenizer tok;
        if (s.SrcTokenizer is not null) tok = Tokenizer.Load(s.SrcTokenizer);
        else
        {
            ui.Line($"training a {kind.ToString().ToLowerInvariant()} tokenizer ({s.VocabSize} tokens)");
            tok = Tokenizer.Train(kind, train, s.VocabSize);
        }
        // longer lines are cut to --max-length tokens (MLM needs no alignment)
        List<int[]> Encode(List<string> lines) => lines.Select(l => tok.Encode(l)).Where(ids => ids.Length > 0).Select(ids => ids.Length > s.MaxLength ? ids[..s.MaxLength] : ids).ToList();
        var trainIds = Encode(train);
        var validIds = Encode(valid);
        var (config, options, batching) = TrainPlan.ResolvePretrain(s, tok.Vocab.Count);
        CliPaths.CreateRunFolder(s.Out, "--out");
        tok.Save(Path.Combine(s.Out, "source.tokenizer.json"));
        AtomicFile.WriteAllText(Path.Combine(s.Out, "config.json"), config.ToJson());
        ui.Line($"model {ModelDescription.Describe(config)}");

        var model = ModelFactory.BuildMaskedLm(config);
        var mlm = new MlmOptions(tok.Vocab.Count, tok.Vocab.FirstOrdinaryId, Vocabulary.MaskId, s.MaskProbability);
        var trainer = new MlmTrainer(model, options, mlm, trainIds, validIds.Count > 0 ? validIds : null, batching)
        {
            RunDirectory = s.Out, CheckpointStore = SafeTensorsCheckpointStore.Instance, ConfigJson = config.ToJson(),
            Vocabularies = new Dictionary<string, string> { [ModelStore.SourceVocab] = tok.ToJson() },
        };
        var log = new List<string>();
        trainer.StepCompleted += st =>
        {
            if (st.Step % options.LogEvery != 0 && st.Step != options.MaxSteps && !st.Skipped) return;
            log.Add(JsonSerializer.Serialize(new { type = "step", step = st.Step, loss = double.IsFinite(st.Loss) ? st.Loss : (double?)null, lr = st.Lr,
                masked_tokens = st.TargetTokens, skipped = st.Skipped, elapsed_s = Math.Round(st.ElapsedSeconds, 2) }));
            ui.Line(FormattableString.Invariant($"step {st.Step}/{options.MaxSteps} mlm loss {st.Loss:F4} lr {st.Lr:E2} elapsed {st.ElapsedSeconds:F0}s"));
        };
        trainer.Validated += v =>
        {
            log.Add(JsonSerializer.Serialize(new { type = "valid", step = v.Step, loss = v.Loss, ppl = v.Perplexity, best = v.IsBest }));
            ui.Line(FormattableString.Invariant($"valid step {v.Step}: mlm loss {v.Loss:F4} ppl {v.Perplexity:F2}{(v.IsBest ? " (best)" : "")}"));
        };

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); ui.Line("stopping: saving a checkpoint…"); };
        Console.CancelKeyPress += onCancel;
        TrainResult result;
        try { result = trainer.Train(cts.Token); }
        finally { Console.CancelKeyPress -= onCancel; }

        if (result.BestCheckpoint is not null) model.LoadStateDict(SafeTensorsCheckpointStore.Instance.Load(result.BestCheckpoint).Model);
        var modelPath = Path.Combine(s.Out, "model.safetensors");
        ModelStore.Save(modelPath, model, config, tok, null, result.Steps);
        File.AppendAllLines(Path.Combine(s.Out, "metrics.jsonl"), log);
        ui.Line($"done: {result.Steps} steps ({result.Reason}); model: {modelPath}");
        return 0;
    }
}
