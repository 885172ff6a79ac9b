using EncDec.Nn.LongAttention;
using System.Diagnostics;
using System.Globalization;
using EncDec.Data;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Optim;
using EncDec.Training;

namespace EncDec.Bench;

/// <summary>
/// Trains a small Transformer on <see cref="LongRetrievalTask"/> documents of exactly <c>--length</c> symbols
/// (default 4,000) for at most <c>--minutes</c> (default 10) and prints the greedy exact-match accuracy on held-out
/// documents as one JSON line. Encoder self-attention: <c>--kind sliding|chunked|linear|full</c> (default sliding,
/// with <c>--window</c> 64 and <c>--global</c> 2 global tokens: the query); the decoder (3 target tokens) is full.
/// Other options: <c>--train N</c> (2,000 documents), <c>--test N</c> (200), <c>--batch N</c> (4), <c>--seed N</c>.
/// </summary>
public static class LongTaskBench
{
    public static void Run(string[] args)
    {
        int length = Int(args, "--length", 4000), window = Int(args, "--window", 64), globals = Int(args, "--global", 2);
        int trainN = Int(args, "--train", 2000), testN = Int(args, "--test", 200), batch = Int(args, "--batch", 4), seed = Int(args, "--seed", 1);
        double minutes = Int(args, "--minutes", 10);
        var kind = Enum.Parse<AttentionCoreKind>(Str(args, "--kind") ?? "sliding", ignoreCase: true);
        var task = new LongRetrievalOptions { MinLength = length, MaxLength = length };
        var train = LongRetrievalTask.Generate(trainN, seed, task);
        var test = LongRetrievalTask.Generate(testN, seed + 1000, task);
        int vocab = LongRetrievalTask.VocabSize(task);
        var config = new ModelConfig
        {
            Family = ModelFamily.Transformer, SrcVocabSize = vocab, TgtVocabSize = vocab, ShareEmbeddings = true, DModel = 64, Heads = 4,
            FeedForward = 128, EncoderLayers = 2, DecoderLayers = 1, Dropout = 0f, Norm = NormPosition.Pre, Seed = (ulong)seed,
            EncoderAttention = kind, AttentionChunk = 128,
            AttentionWindow = kind == AttentionCoreKind.Sliding ? window : null,
            AttentionGlobalTokens = kind == AttentionCoreKind.Sliding ? globals : null,
        };
        var model = ModelFactory.Build(config);
        var options = new TrainerOptions
        {
            MaxSteps = 1_000_000, MaxMinutes = minutes * 0.85,   // the rest of the budget is evaluation
            Optimizer = new OptimizerOptions(OptimizerKind.Adam, 1e-3, Beta2: 0.98),
            Schedule = new LrScheduleConfig(LrScheduleKind.InverseSqrt, 1e-3, WarmupSteps: 100),
            LabelSmoothing = 0f, ClipNorm = 1.0, ValidEvery = 0, ValidDecode = false, CheckpointEvery = 0, LogEvery = 0, Seed = (ulong)seed,
        };
        var sw = Stopwatch.StartNew();
        var trainer = new Trainer(model, options, train, null, new BatcherOptions { BatchSize = batch, Shuffle = true, Seed = seed });
        trainer.StepCompleted += s =>
        {
            if (s.Step % 50 == 0) Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {s.Step} loss {s.Loss:F3} {sw.Elapsed.TotalMinutes:F1} min"));
        };
        var result = trainer.Train();
        double trainMin = sw.Elapsed.TotalMinutes;
        model.Eval();
        var outs = SequenceGenerator.Generate((ISeq2SeqModel)model, test.Select(e => e.Src).ToList(),
                                              new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = task.ValueLength + 2 });
        int ok = Enumerable.Range(0, test.Count).Count(i => outs[i].Hypotheses.Count > 0 && outs[i].Hypotheses[0].Tokens.AsSpan().SequenceEqual(test[i].Tgt));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"longtask\",\"kind\":\"{kind.ToString().ToLowerInvariant()}\",\"length\":{length},\"window\":{window},\"global\":{globals},\"accuracy\":{(double)ok / test.Count:F4},\"test\":{test.Count},\"steps\":{result.Steps},\"batch\":{batch},\"train_min\":{trainMin:F2},\"total_min\":{sw.Elapsed.TotalMinutes:F2},\"peak_rss_mib\":{TrainBench.PeakRssMib():F0}}}"));
    }

    private static int Int(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : fallback;
    }

    private static string? Str(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
