using System.CommandLine;
using System.Globalization;
using System.Text;
using EncDec.Data;
using EncDec.Generation;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Cli;

/// <summary>
/// <c>encdec demo</c>: the main job on data it generates itself — a synthetic seq2seq task (default: human dates →
/// ISO dates), a small model trained with live progress, evaluation on held-out examples, sample outputs with their
/// attention alignment, and a run folder (model, config, metrics log, loss curve).
/// </summary>
internal static class DemoCommand
{
    public sealed record Options(SyntheticTask Task, ModelFamily Family, string Out, int TrainSize, int TestSize, long Steps,
                                 double MaxMinutes, int Seed, bool Quick);

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var task = new Option<string>("--task") { Description = "copy|reverse|sort|dates|arithmetic|digits-ocr|shapes-seg|shapes-caption|shapes-retrieval|speech-digits|dialogue, or a shipped time series: co2|sunspots|elnino", DefaultValueFactory = _ => "dates" };
        var model = new Option<string>("--model") { Description = "transformer|rnn (LSTM + Bahdanau attention); for the image tasks cnn|vit", DefaultValueFactory = _ => "transformer" };
        var outDir = new Option<string>("--out") { Description = "Run folder", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var trainSize = new Option<int>("--train-size") { Description = "Training examples to generate", DefaultValueFactory = _ => 0 };
        var testSize = new Option<int>("--test-size") { Description = "Held-out test examples", DefaultValueFactory = _ => 1000 };
        var steps = new Option<long>("--steps") { Description = "Training steps (0 = the preset's)", DefaultValueFactory = _ => 0 };
        var minutes = new Option<double>("--max-minutes") { Description = "Stop training after this many minutes", DefaultValueFactory = _ => 2.5 };
        var seed = new Option<int>("--seed") { Description = "Seed of data, initialisation and training", DefaultValueFactory = _ => 1 };
        var quick = new Option<bool>("--quick") { Description = "A much smaller run (seconds), for smoke tests" };
        var cmd = new Command("demo", "Generate a synthetic task, train a small model, evaluate it and write a run folder.")
        { task, model, outDir, trainSize, testSize, steps, minutes, seed, quick };
        cmd.SetAction((r, ct) => Task.FromResult(Commands.DialogueDemo.TryParse(r.GetValue(task)!)
            ? Commands.DialogueDemo.Run(new(r.GetValue(outDir)!, r.GetValue(testSize), r.GetValue(steps), r.GetValue(minutes), r.GetValue(seed), r.GetValue(quick)), stdout, ct)
            : Commands.ForecastDemo.TryParse(r.GetValue(task)!, out var series)
            ? Commands.ForecastDemo.Run(series, r.GetValue(outDir)!, r.GetValue(seed), r.GetValue(minutes), r.GetValue(quick), stdout, ct)
            : Commands.SpeechDemo.TryParse(r.GetValue(task)!, out var st)
            ? Commands.SpeechDemo.Run(new Commands.SpeechDemo.Options(st, r.GetValue(outDir)!, r.GetValue(testSize), (int)r.GetValue(steps),
                r.GetValue(minutes), r.GetValue(seed), r.GetValue(quick)), stdout, ct)
            : Commands.VisionDemo.TryParse(r.GetValue(task)!, out var vt)
            ? Commands.VisionDemo.Run(new Commands.VisionDemo.Options(vt, Commands.VisionDemo.ParseEncoder(r.GetValue(model)!), r.GetValue(outDir)!,
                r.GetValue(testSize), (int)r.GetValue(steps), r.GetValue(minutes), r.GetValue(seed), r.GetValue(quick)), stdout, ct)
            : Run(new Options(ParseTask(r.GetValue(task)!), ParseFamily(r.GetValue(model)!), r.GetValue(outDir)!,
            r.GetValue(trainSize), r.GetValue(testSize), r.GetValue(steps), r.GetValue(minutes), r.GetValue(seed), r.GetValue(quick)), stdout, ct)));
        return cmd;
    }

    internal static SyntheticTask ParseTask(string s) => s.ToLowerInvariant() switch
    {
        "copy" => SyntheticTask.Copy, "reverse" => SyntheticTask.Reverse, "sort" => SyntheticTask.Sort,
        "dates" => SyntheticTask.Dates, "arithmetic" => SyntheticTask.Arithmetic,
        _ => throw new UserInputException($"--task: unknown task '{s}' (expected copy, reverse, sort, dates or arithmetic)"),
    };

    internal static ModelFamily ParseFamily(string s) => s.ToLowerInvariant() switch
    {
        "transformer" => ModelFamily.Transformer, "rnn" or "lstm" => ModelFamily.Rnn,
        _ => throw new UserInputException($"--model: unknown model type '{s}' (expected transformer or rnn)"),
    };

    public static int Run(Options o, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        var (config0, trainOpts, batching, presetSize) = Presets.ForSyntheticTask(o.Family, o.Quick, o.Seed, o.Steps);
        int trainSize = o.TrainSize > 0 ? o.TrainSize : presetSize;
        int testSize = Math.Max(1, o.Quick ? Math.Min(o.TestSize, 200) : o.TestSize);
        int validSize = o.Quick ? 100 : 500;
        trainOpts = trainOpts with { MaxMinutes = o.MaxMinutes };

        // 1. data: disjoint train / valid / test sets from one seeded generator
        var all = SyntheticTasks.Generate(o.Task, trainSize + validSize + testSize + testSize / 2, o.Seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = all.Where(p => seen.Add(p.Source)).ToList();
        var test = unique.Take(testSize).ToList();
        var valid = unique.Skip(testSize).Take(validSize).ToList();
        var train = unique.Skip(testSize + validSize).Take(trainSize).ToList();
        CliPaths.CreateRunFolder(o.Out, "--out");
        using var stop = new StopSignals(cancel, stdout);
        using var runLock = RunLock.Acquire(o.Out, ui.Line);
        stop.BeforeImmediateExit = runLock.Release;
        // The demo always starts over: a previous demo's checkpoints would outrank (and so rotate away) the new ones.
        if (RunFolder.MoveAside(o.Out) is { } aside) ui.Line($"moved the previous demo's checkpoints, model and metrics to {aside}");
        SyntheticTasks.WriteFiles(train, Path.Combine(o.Out, "train.src"), Path.Combine(o.Out, "train.tgt"));
        SyntheticTasks.WriteFiles(test, Path.Combine(o.Out, "test.src"), Path.Combine(o.Out, "test.tgt"));
        ui.Line($"task {o.Task.ToString().ToLowerInvariant()}: {train.Count} training, {valid.Count} validation, {test.Count} test examples (seed {o.Seed})");
        ui.Line($"  e.g. \"{train[0].Source}\" -> \"{train[0].Target}\"");

        // 2. character tokenizers and examples
        var src = Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Source), 1000);
        var tgt = Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Target), 1000);
        var trainEx = Examples.Tokenize(train, src, tgt);
        var validEx = Examples.Tokenize(valid, src, tgt);
        var config = config0 with { SrcVocabSize = src.Vocab.Count, TgtVocabSize = tgt.Vocab.Count };
        ui.Line($"model {ModelDescription.Describe(config)}");

        // 3. training
        var job = new TrainJob(o.Out, config, trainOpts, batching, trainEx, validEx, valid.Select(p => p.Target).ToList(), src, tgt);
        var run = TrainRun.Run(ui, job, stop.Token);
        if (run.Result.Reason == StopReason.Cancelled && stop.SignalName is { } signal)
        {
            ui.Line($"stopped by {signal} at step {run.Result.Steps}; checkpoint {run.Result.LastCheckpoint}; model: {run.ModelPath} (the demo starts over when run again)");
            return stop.ExitCode;
        }
        ui.Line($"trained {run.Result.Steps} steps in {TrainRun.F(run.Seconds, "F1")} s ({run.Result.Reason})");

        // 4. evaluation on the held-out test set
        var translator = new Translator(run.Model, src, tgt,
            new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = 64, ReturnAttention = true }, batchSize: 64);
        var outputs = translator.Translate(test.Select(p => p.Source).ToList());
        var hyps = outputs.Select(t => t.NBest.Count > 0 ? t.NBest[0].Text : "").ToList();
        var refs = test.Select(p => p.Target).ToList();
        double exact = ExactMatch.Corpus(hyps, new[] { refs });
        var bleu = Bleu.Corpus(hyps, new[] { refs }, new BleuOptions { Tokenize = BleuTokenize.Char });
        var chrf = ChrF.Corpus(hyps, new[] { refs });
        var last = run.Result.LastValidation;
        ui.Table("results on held-out test examples", new (string, string)[]
        {
            ("exact match", $"{TrainRun.F(exact * 100, "F2")}% ({hyps.Zip(refs).Count(z => z.First == z.Second)}/{refs.Count})"),
            ("BLEU (char)", TrainRun.F(bleu.Score)),
            ("chrF2", TrainRun.F(chrf.Score)),
            ("valid loss", last is null ? "-" : TrainRun.F(last.Loss, "F4")),
            ("valid perplexity", last is null ? "-" : TrainRun.F(last.Perplexity, "F3")),
            ("parameters", run.Parameters.ToString("N0", CultureInfo.InvariantCulture)),
            ("training time", $"{TrainRun.F(run.Seconds, "F1")} s"),
            ("steps", run.Result.Steps.ToString(CultureInfo.InvariantCulture)),
        });

        // 5. samples with attention alignment
        var samples = new StringBuilder();
        for (int i = 0; i < Math.Min(4, outputs.Count); i++)
        {
            var t = outputs[i];
            samples.AppendLine($"source:    {t.Source}");
            samples.AppendLine($"output:    {hyps[i]}");
            samples.AppendLine($"reference: {refs[i]}  {(hyps[i] == refs[i] ? "(correct)" : "(wrong)")}");
            if (t.Attention is not null) samples.Append(Alignment(t));
            samples.AppendLine();
        }
        ui.Line("");
        ui.Line(samples.ToString().TrimEnd());
        AtomicFile.WriteAllText(Path.Combine(o.Out, "samples.txt"), samples.ToString());
        AtomicFile.WriteAllText(Path.Combine(o.Out, "test.hyp"), string.Join('\n', hyps) + "\n");
        using (var log = new MetricsLog(Path.Combine(o.Out, RunFolder.MetricsFile)))
            log.Append(new
            {
                type = "test", task = o.Task.ToString().ToLowerInvariant(), model = config.Family.ToString().ToLowerInvariant(), exact_match = exact,
                bleu_char = bleu.Score, chrf = chrf.Score, steps = run.Result.Steps, seconds = run.Seconds, parameters = run.Parameters, test_size = refs.Count,
            });
        ui.Line($"run folder: {o.Out} (model.safetensors, config.json, metrics.jsonl, loss.svg, samples.txt)");
        ui.Line($"exact match: {TrainRun.F(exact * 100, "F2")}%");
        return 0;
    }

    /// <summary>The attention matrix as a character heat map: one row per output token, one column per source token.</summary>
    internal static string Alignment(Translation t)
    {
        const string shades = " .:-=+*#%@";
        var a = t.Attention!;
        int rows = Math.Min(a.GetLength(0), t.OutputTokens.Length), cols = Math.Min(a.GetLength(1), t.SourceTokens.Length);
        var sb = new StringBuilder("attention (rows: output, columns: source):\n");
        sb.Append("      ").AppendLine(string.Concat(t.SourceTokens.Take(cols).Select(s => s.Length > 0 ? s[0] : ' ')));
        for (int i = 0; i < rows; i++)
        {
            sb.Append("  ").Append((t.OutputTokens[i].Length > 0 ? t.OutputTokens[i][0] : ' ')).Append("   ");
            for (int j = 0; j < cols; j++) sb.Append(shades[Math.Clamp((int)(a[i, j] * (shades.Length - 1) + 0.5f), 0, shades.Length - 1)]);
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
