using System.Diagnostics;
using System.Text.Json;
using EncDec.Data;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Bench;

/// <summary>
/// Training accuracy on the full synthetic tasks: for dates (human → ISO), copy and reverse (default generator:
/// length 3–12 over 20 symbols), an LSTM+Bahdanau model and a small Transformer (the demo's presets: emb 64 / hidden 128
/// bidirectional LSTM; d_model 128, 4 heads, FFN 256, 2+2 layers) are trained on 20,000 examples with char tokenizers,
/// each capped at 3 minutes of training (or the step budget), then evaluated by greedy exact match on 1,000 held-out
/// examples. Prints one JSON line per (task, model).
/// Options: <c>--task dates|copy|reverse</c> and <c>--model transformer|lstm</c> (default: all), <c>--minutes M</c> (default 3),
/// <c>--steps N</c> (default 1500, the demo preset's), <c>--seed S</c>.
/// </summary>
public static class AccuracyBench
{
    public static void Run(string[] args)
    {
        if (BenchArgs.String(args, "--task") == "speech-digits") { SpeechAccuracyBench.Run(args); return; }
        if (BenchArgs.String(args, "--task") is { } vision && VisionAccuracyBench.Tasks.Contains(vision)) { VisionAccuracyBench.Run(args, vision); return; }
        var tasks = BenchArgs.String(args, "--task") is { } t ? new[] { t } : new[] { "dates", "copy", "reverse" };
        var models = BenchArgs.String(args, "--model") is { } m ? new[] { m } : new[] { "lstm", "transformer" };
        double minutes = BenchArgs.Double(args, "--minutes", 3);
        int steps = BenchArgs.Int(args, "--steps", 1500);
        int seed = BenchArgs.Int(args, "--seed", 1);
        foreach (var task in tasks)
            foreach (var model in models)
                RunOne(task, model, minutes, steps, seed);
    }

    private static void RunOne(string taskName, string modelName, double minutes, int maxSteps, int seed)
    {
        var task = taskName switch
        {
            "dates" => SyntheticTask.Dates, "copy" => SyntheticTask.Copy, "reverse" => SyntheticTask.Reverse,
            _ => throw new UserInputException($"--task: expected dates, copy or reverse, got '{taskName}'"),
        };
        const int trainSize = 20000, testSize = 1000;
        var all = SyntheticTasks.Generate(task, (trainSize + testSize) * 11 / 10, seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = all.Where(p => seen.Add(p.Source)).ToList();
        var test = unique.Take(testSize).ToList();
        var train = unique.Skip(testSize).Take(trainSize).ToList();
        var src = Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Source), 1000);
        var tgt = Tokenizer.Train(TokenizerKind.Char, train.Select(p => p.Target), 1000);
        var trainEx = Examples.Tokenize(train, src, tgt);

        bool transformer = modelName switch
        {
            "transformer" => true, "lstm" => false,
            _ => throw new UserInputException($"--model: expected transformer or lstm, got '{modelName}'"),
        };
        var preset = Presets.ForSyntheticTask(transformer ? ModelFamily.Transformer : ModelFamily.Rnn, quick: false, seed, maxSteps);
        var config = preset.Config with { SrcVocabSize = src.Vocab.Count, TgtVocabSize = tgt.Vocab.Count };
        var options = preset.Training with { MaxMinutes = minutes, ValidEvery = 0, ValidDecode = false, LogEvery = 0 };
        var module = ModelFactory.Build(config);
        var clock = Stopwatch.StartNew();
        var result = new Trainer(module, options, trainEx, null, preset.Batching).Train();
        double seconds = clock.Elapsed.TotalSeconds;

        module.Eval();
        var translator = new Translator((ISeq2SeqModel)module, src, tgt, new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = 64 }, batchSize: 100);
        var outputs = translator.Translate(test.Select(p => p.Source).ToList());
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
            if (outputs[i].NBest.Count > 0 && outputs[i].NBest[0].Text == test[i].Target) correct++;
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bench"] = "accuracy",
            ["task"] = taskName,
            ["model"] = modelName,
            ["exact_match"] = Math.Round((double)correct / test.Count, 4),
            ["seconds"] = Math.Round(seconds, 1),
            ["steps"] = result.Steps,
            ["params"] = module.ParameterCount,
            ["test_size"] = test.Count,
        }));
    }
}
