using EncDec.Data;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Pipelines;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Cli.Commands;

/// <summary>
/// <c>encdec demo --task dialogue</c>: generated memory dialogues (<see cref="DialogueTask"/>: facts stated turns before a
/// question about them), a dialogue Transformer trained on them through the normal run folder, and one line with the answer
/// accuracy on held-out conversations with the history and without it (only the question), beside the chance rate.
/// </summary>
internal static class DialogueDemo
{
    public sealed record Options(string Out, int TestSize, long Steps, double MaxMinutes, int Seed, bool Quick);

    /// <summary>The accuracy of one evaluation: answers right with the history, and with only the question.</summary>
    public sealed record Accuracy(int Correct, int CorrectWithoutHistory, int Total, double Chance)
    {
        public double WithHistory => Total == 0 ? 0 : (double)Correct / Total;
        public double WithoutHistory => Total == 0 ? 0 : (double)CorrectWithoutHistory / Total;

        public string Line() => $"dialogue answer accuracy: {TrainRun.F(WithHistory * 100)}% with history ({Correct}/{Total}), "
                                + $"{TrainRun.F(WithoutHistory * 100)}% without ({CorrectWithoutHistory}/{Total}); chance {TrainRun.F(Chance * 100)}%";
    }

    public static bool TryParse(string task) => task.Equals("dialogue", StringComparison.OrdinalIgnoreCase);

    public static int Run(Options o, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        var taskOptions = new DialogueTaskOptions();
        int trainSize = o.Quick ? 400 : 4000, validSize = o.Quick ? 20 : 100, testSize = Math.Max(1, o.Quick ? Math.Min(o.TestSize, 100) : o.TestSize);
        var all = DialogueTask.Generate(trainSize + validSize + testSize, o.Seed, taskOptions);
        var test = all.Take(testSize).ToList();
        var valid = all.Skip(testSize).Take(validSize).Select(i => i.Conversation).ToList();
        var train = all.Skip(testSize + validSize).Select(i => i.Conversation).ToList();
        CliPaths.CreateRunFolder(o.Out, "--out");
        using var stop = new StopSignals(cancel, stdout);
        using var runLock = RunLock.Acquire(o.Out, ui.Line);
        stop.BeforeImmediateExit = runLock.Release;
        if (RunFolder.MoveAside(o.Out) is { } aside) ui.Line($"moved the previous demo's checkpoints, model and metrics to {aside}");
        DialogueCorpus.Write(Path.Combine(o.Out, "train.jsonl"), train);
        DialogueCorpus.Write(Path.Combine(o.Out, "test.jsonl"), test.Select(i => i.Conversation));
        ui.Line($"task dialogue: {train.Count} training, {valid.Count} validation, {test.Count} test conversations (seed {o.Seed})");
        ui.Line("  e.g. " + string.Join(" | ", test[0].Conversation.Turns.Select(t => $"{t.Speaker}: {t.Text}")));

        // word tokenizer with the two speaker tokens; the bot's turns are the targets
        var tok = Tokenizer.Train(TokenizerKind.Word, train.SelectMany(c => c.Turns).Select(t => t.Text), 1000,
                                  controlTokens: [DialogueFormat.SpeakerToken(DialogueTask.User), DialogueFormat.SpeakerToken(DialogueTask.Bot)]);
        var settings = new DialogueSettings(96, DialogueTask.User, DialogueTask.Bot);
        var format = DialogueFormat.FromTokenizer(tok, settings.ContextTokens);
        var bots = new HashSet<string> { DialogueTask.Bot };
        var trainEx = train.SelectMany(c => format.Examples(c, bots)).ToList();
        var validPairs = valid.SelectMany(c => format.Pairs(c, bots)).ToList();
        var (config0, trainOpts, batching, _) = Presets.ForSyntheticTask(ModelFamily.Transformer, o.Quick, o.Seed, o.Steps > 0 ? o.Steps : o.Quick ? 60 : 1500);
        // the synthetic preset at half its width (d 64, ffn 128): the sources are ~50 tokens, twice the other tasks'
        var config = config0 with { DModel = 64, FeedForward = 128, SrcVocabSize = tok.Vocab.Count, TgtVocabSize = tok.Vocab.Count, ShareEmbeddings = true };
        trainOpts = trainOpts with { MaxMinutes = o.MaxMinutes, ValidMaxLength = 8 };
        settings.Save(o.Out);
        ui.Line($"model {ModelDescription.Describe(config)}; {trainEx.Count} training replies");
        var job = new TrainJob(o.Out, config, trainOpts, batching, trainEx, validPairs.Select(p => p.Example).ToList(), validPairs.Select(p => p.Reply).ToList(), tok, tok);
        var run = TrainRun.Run(ui, job, stop.Token);
        if (run.Result.Reason == StopReason.Cancelled && stop.SignalName is { } signal)
        {
            ui.Line($"stopped by {signal} at step {run.Result.Steps}; model: {run.ModelPath} (the demo starts over when run again)");
            return stop.ExitCode;
        }
        ui.Line($"trained {run.Result.Steps} steps in {TrainRun.F(run.Seconds, "F1")} s ({run.Result.Reason})");
        var model = new DialogueModel(run.Model, tok, tok, settings);
        var acc = Evaluate(model, test, 1.0 / taskOptions.Values);
        using (var log = new MetricsLog(Path.Combine(o.Out, RunFolder.MetricsFile)))
            log.Append(new { type = "test", task = "dialogue", accuracy_with_history = acc.WithHistory, accuracy_without_history = acc.WithoutHistory, chance = acc.Chance, answers = acc.Total, steps = run.Result.Steps, seconds = run.Seconds });
        ui.Line($"run folder: {o.Out} (model.safetensors, dialogue.json, train.jsonl, metrics.jsonl); talk to it: encdec chat --model {o.Out}");
        ui.Line(acc.Line());
        return 0;
    }

    /// <summary>
    /// Greedy answers to every question of <paramref name="items"/>, given the whole history before it, and given only the
    /// question (the last user turn).
    /// </summary>
    public static Accuracy Evaluate(DialogueModel model, IReadOnlyList<DialogueTaskItem> items, double chance, int batchSize = 64)
    {
        var withHistory = new List<int[]>();
        var withoutHistory = new List<int[]>();
        var answers = new List<string>();
        foreach (var item in items)
            foreach (int a in item.AnswerTurns)
            {
                var turns = item.Conversation.Turns;
                var before = turns.Take(a).ToList();
                withHistory.Add(model.Format.Source(before, turns[a].Speaker));
                withoutHistory.Add(model.Format.Source(before.Skip(a - 1).ToList(), turns[a].Speaker));
                answers.Add(turns[a].Text);
            }
        var options = DialogueModel.DefaultOptions with { MaxLength = 8 };
        int Correct(List<int[]> sources)
        {
            int right = 0;
            for (int i = 0; i < sources.Count; i += batchSize)
            {
                var chunk = sources.Skip(i).Take(batchSize).ToList();
                var results = SequenceGenerator.Generate(model.Model, chunk, options);
                for (int j = 0; j < results.Count; j++)
                    if (results[j].Hypotheses.Count > 0 && model.Target.Decode(results[j].Best.Tokens) == answers[i + j]) right++;
            }
            return right;
        }
        return new Accuracy(Correct(withHistory), Correct(withoutHistory), answers.Count, chance);
    }
}
