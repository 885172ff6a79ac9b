using System.CommandLine;
using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Pipelines;
using EncDec.Text;

namespace EncDec.Cli.Commands;

/// <summary>What <c>encdec dialogue train</c> adds to the training flags.</summary>
/// <param name="Valid">Validation conversations (JSONL), or null.</param>
/// <param name="ReplySpeakers">The speakers whose turns are targets (empty = every turn after the first).</param>
/// <param name="ContextTokens">Source budget in tokens (0 = --max-length).</param>
/// <param name="User">The speaker a chat types as (null = the first speaker of the data).</param>
/// <param name="Bot">The speaker the model answers as in a chat (null = the second speaker of the data).</param>
internal sealed record DialogueTrainOptions(string? Valid, IReadOnlyList<string> ReplySpeakers, int ContextTokens, string? User, string? Bot);

/// <summary>
/// <c>encdec dialogue train --data FILE.jsonl</c> (also <c>encdec train --task dialogue</c>): an encoder-decoder trained on
/// conversations — the source is the history with speaker tokens (the most recent turns within the context budget), the
/// target the next turn — with the usual trainer, checkpoints, resume, metrics and run folder, plus <c>dialogue.json</c>.
/// </summary>
internal static class DialogueTrainCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var config = new Option<string?>("--config") { Description = "YAML file of training settings (as `encdec train --config`)" };
        var valid = new Option<string?>("--valid") { Description = "Validation conversations (JSONL, as --data)" };
        var reply = new Option<string[]>("--reply-speaker") { Description = "Train only on the turns of this speaker (repeatable; default: every turn after the first)", AllowMultipleArgumentsPerToken = false };
        var context = new Option<int>("--context-tokens") { Description = "Source budget in tokens, speaker tokens included: older turns that do not fit are dropped (0 = --max-length)", DefaultValueFactory = _ => 0 };
        var user = new Option<string?>("--user") { Description = "The speaker `encdec chat` types as (default: the data's first speaker)" };
        var bot = new Option<string?>("--bot") { Description = "The speaker the model answers as in `encdec chat` (default: the data's second speaker)" };
        var flags = new SpecFlags(name => !SpecFlags.PretrainOnly.Contains(name) && name is not ("--task" or "--train-src" or "--train-tgt" or "--valid-src" or "--valid-tgt"
                                                                                                    or "--train-text" or "--valid-text" or "--control" or "--init-encoder")
                                  && !VisionTrainFlags.Names.Contains(name));
        var train = new Command("train", "Train a dialogue model on conversations: --data FILE.jsonl, one conversation per line "
                                         + "([{\"speaker\": …, \"text\": …}, …] or {\"turns\": [...]}).") { config, valid, reply, context, user, bot };
        foreach (var op in flags.Options) train.Add(op);
        train.SetAction((r, ct) =>
        {
            var spec = r.GetValue(config) is { } path ? TrainSpec.FromYaml(path) : new TrainSpec();
            flags.Apply(r, spec);
            var o = new DialogueTrainOptions(r.GetValue(valid), r.GetValue(reply) ?? [], r.GetValue(context), r.GetValue(user), r.GetValue(bot));
            return Task.FromResult(Run(spec, o, stdout, ct));
        });
        return new Command("dialogue", "Multi-turn dialogue models (`encdec chat --model RUN` talks to one).") { train };
    }

    public static int Run(TrainSpec s, DialogueTrainOptions o, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        s.Validate();
        if (TrainPlan.ParseFamily(s.Model) == ModelFamily.DecoderOnly)
            throw new UserInputException("--model: a dialogue model is an encoder-decoder (transformer or rnn); the history is its source");
        TrainPlan.CheckBeforeWork(s);
        if (o.ContextTokens is < 0 or 1) throw new UserInputException($"--context-tokens must be at least 2 (or 0 = --max-length), got {o.ContextTokens}");
        int contextTokens = o.ContextTokens > 0 ? o.ContextTokens : Math.Max(2, s.MaxLength);
        if (s.Data is null) throw new UserInputException("--data FILE.jsonl is required: the training conversations, one per line");
        if (Directory.Exists(s.Data)) throw new UserInputException(s.Data, null, "--data: a dialogue model trains on a JSONL file of conversations, not a preprocessed folder");
        if (File.Exists(s.Out)) throw new UserInputException(s.Out, null, "--out: is a file, not a run folder");
        var kind = CliParsers.ParseKind(s.Tokenizer, "--tokenizer");
        var train = DialogueCorpus.Read(s.Data);
        var valid = o.Valid is null ? new List<Conversation>() : DialogueCorpus.Read(o.Valid);
        var speakers = DialogueFormat.SpeakersOf(train);
        foreach (var (name, flag) in o.ReplySpeakers.Select(n => ((string?)n, "--reply-speaker")).Append((o.User, "--user")).Append((o.Bot, "--bot")))
            if (name is not null && !speakers.Contains(name))
                throw new UserInputException($"{flag}: speaker '{name}' does not occur in {s.Data} (speakers: {string.Join(", ", speakers)})");
        string userSpeaker = o.User ?? speakers[0];
        string botSpeaker = o.Bot ?? speakers.FirstOrDefault(x => x != userSpeaker) ?? speakers[0];
        ui.Line($"conversations: {train.Count} training, {valid.Count} validation; speakers {string.Join(", ", speakers)}; context {contextTokens} tokens");

        using var stop = new StopSignals(cancel, stdout);
        bool newFolder = !Directory.Exists(s.Out);
        CliPaths.CreateRunFolder(s.Out, "--out");
        using var runLock = RunLock.Acquire(s.Out, ui.Line);
        stop.BeforeImmediateExit = runLock.Release;
        try { return Train(s, o, ui, stop, kind, train, valid, speakers, contextTokens, userSpeaker, botSpeaker); }
        catch (UserInputException) when (newFolder)
        {
            runLock.Release();
            if (!Directory.EnumerateFileSystemEntries(s.Out).Any(f => !f.EndsWith(".json", StringComparison.Ordinal))) Directory.Delete(s.Out, recursive: true);
            throw;
        }
    }

    private static int Train(TrainSpec s, DialogueTrainOptions o, Ui ui, StopSignals stop, TokenizerKind kind, List<Conversation> train,
                             List<Conversation> valid, List<string> speakers, int contextTokens, string user, string bot)
    {
        if (s.Fresh && RunFolder.MoveAside(s.Out) is { } aside) ui.Line($"--fresh: moved the previous run's checkpoints, model and metrics to {aside}");
        var resumeFrom = s.Fresh ? null : RunFolder.FindResumable(s.Out, w => ui.Line("warning: " + w));
        var settings = new Dictionary<string, string>
        {
            ["best_metric"] = TrainCommand.ParseBestMetric(s.BestMetric).ToString().ToLowerInvariant(),
            ["task"] = "dialogue",
            ["context_tokens"] = contextTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["reply_speakers"] = string.Join(",", o.ReplySpeakers),
        };
        ITokenizer tok;
        if (resumeFrom is not null && resumeFrom.Snapshot.Vocabularies.TryGetValue(ModelStore.SourceVocab, out var json))
            tok = Tokenizer.FromJson(json, $"{resumeFrom.Path} (source tokenizer)");
        else if ((s.SrcTokenizer ?? s.TgtTokenizer) is { } given)
        {
            tok = Tokenizer.Load(given);
            var missing = speakers.Where(x => !tok.Vocab.TryGetId(DialogueFormat.SpeakerToken(x), out int id) || !tok.Vocab.IsControl(id)).ToList();
            if (missing.Count > 0) throw new UserInputException(given, null, $"the tokenizer has no control token for speaker(s) {string.Join(", ", missing.Select(DialogueFormat.SpeakerToken))}");
        }
        else
        {
            settings["tokenizer"] = kind.ToString().ToLowerInvariant();
            settings["vocab_size"] = s.VocabSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
            ui.Line($"training a {settings["tokenizer"]} tokenizer ({s.VocabSize} tokens, {speakers.Count} speaker tokens)");
            tok = Tokenizer.Train(kind, train.SelectMany(c => c.Turns).Select(t => t.Text), s.VocabSize, controlTokens: speakers.Select(DialogueFormat.SpeakerToken));
        }
        var format = DialogueFormat.FromTokenizer(tok, contextTokens, s.Out);
        foreach (var x in speakers.Concat(valid.SelectMany(c => c.Turns).Select(t => t.Speaker)).Distinct())
            if (!format.HasSpeaker(x)) throw new UserInputException($"{(speakers.Contains(x) ? s.Data : o.Valid)}: speaker '{x}' is not a speaker of this run's vocabulary ({string.Join(", ", format.Speakers)})");
        var replySet = o.ReplySpeakers.Count > 0 ? new HashSet<string>(o.ReplySpeakers, StringComparer.Ordinal) : null;

        var trainEx = train.SelectMany(c => format.Examples(c, replySet)).Where(e => e.Tgt.Length <= s.MaxLength).ToList();
        if (trainEx.Count == 0) throw new UserInputException($"{s.Data}: no reply within --max-length {s.MaxLength} tokens (a conversation needs at least two turns)");
        var validPairs = valid.SelectMany(c => format.Pairs(c, replySet)).Where(p => p.Example.Tgt.Length <= s.MaxLength).ToList();
        ui.Line($"examples: {trainEx.Count} training replies, {validPairs.Count} validation replies");
        var plan = TrainPlan.Resolve(s, tok.Vocab.Count, tok.Vocab.Count, jointVocab: true);
        var (config, options, batching) = plan;
        if (resumeFrom is not null)
        {
            RunFolder.CheckCompatible(resumeFrom, config.ToJson(), settings);
            if (resumeFrom.IsFinished(s.MaxSteps) && File.Exists(Path.Combine(s.Out, RunFolder.ModelFile)))
            {
                ui.Line($"nothing to do: {s.Out} is already trained (step {resumeFrom.Step}, max_steps {s.MaxSteps}); raise --max-steps to train on, or use --fresh to start over");
                return 0;
            }
        }
        tok.Save(Path.Combine(s.Out, "source.tokenizer.json"));
        tok.Save(Path.Combine(s.Out, "target.tokenizer.json"));
        new DialogueSettings(contextTokens, user, bot).Save(s.Out);
        options = options with { ValidDecodeLimit = int.MaxValue, BestMetric = TrainCommand.ParseBestMetric(s.BestMetric) };
        ui.Line($"model {ModelDescription.Describe(config)}");
        var job = new TrainJob(s.Out, config, options, batching, trainEx, validPairs.Select(p => p.Example).ToList(), validPairs.Select(p => p.Reply).ToList(), tok, tok)
        { ResumeFrom = resumeFrom, Settings = settings, AverageLast = s.AverageLast };
        return TrainRun.Report(ui, TrainRun.Run(ui, job, stop.Token), stop);
    }
}
