using EncDec.Nn.LongAttention;
using System.Diagnostics;
using System.Globalization;
using EncDec.Data;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Optim;
using EncDec.Training;
using EncDec.Tensors;

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
        int steps = Int(args, "--steps", 1_000_000), minLength = Int(args, "--min-length", length), maxLength = Int(args, "--max-length", length), encLayers = Int(args, "--enc-layers", 2);
        int decLayers = Int(args, "--dec-layers", 1), warmup = Int(args, "--warmup", 100), chunk = Int(args, "--chunk", 128), tokens = Int(args, "--tokens", 0);
        double lr = Dbl(args, "--lr", 1e-3);
        int conv = Int(args, "--conv", 0);   // width of the encoder layers' local conv sublayer (0 = none)
        var kind = Enum.Parse<AttentionCoreKind>(Str(args, "--kind") ?? "sliding", ignoreCase: true);
        var task = new LongRetrievalOptions
        {
            MinLength = length, MaxLength = length, Records = Int(args, "--records", 8), Keys = Int(args, "--keys", 16), ValueLength = Int(args, "--value-length", 2),
            EchoKey = Int(args, "--echo-key", 0) != 0,
        };
        var train = LongRetrievalTask.Generate(trainN, seed, task with { MinLength = minLength, MaxLength = maxLength });
        // --eval valid: documents of another seed for choosing settings; the held-out test documents score the goal
        bool valid = string.Equals(Str(args, "--eval"), "valid", StringComparison.OrdinalIgnoreCase);
        var test = LongRetrievalTask.Generate(testN, seed + (valid ? 2000 : 1000), task);
        int vocab = LongRetrievalTask.VocabSize(task);
        var config = new ModelConfig
        {
            Family = ModelFamily.Transformer, SrcVocabSize = vocab, TgtVocabSize = vocab, ShareEmbeddings = true, DModel = 64, Heads = 4,
            FeedForward = 128, EncoderLayers = encLayers, DecoderLayers = decLayers, MaxPositions = Math.Max(1024, length), Dropout = 0f, Norm = NormPosition.Pre, Seed = (ulong)seed,
            EncoderAttention = kind, AttentionChunk = kind == AttentionCoreKind.Full ? null : chunk,
            AttentionWindow = kind == AttentionCoreKind.Sliding ? window : null,
            AttentionGlobalTokens = kind == AttentionCoreKind.Sliding ? globals : null,
            EncoderConvKernel = conv > 0 ? conv : null,
        };
        var model = ModelFactory.Build(config);
        // optional first phase on short documents (--warm-steps, --warm-length, --warm-batch): the retrieval is learnt
        // where steps are cheap, then the documents of the scored length
        int warmSteps = Int(args, "--warm-steps", 0), warmLength = Int(args, "--warm-length", 200), warmBatch = Int(args, "--warm-batch", 16);
        int warmRecords = Int(args, "--warm-records", task.Records);
        bool profile = Array.IndexOf(args, "--profile") >= 0;
        var sw = Stopwatch.StartNew();
        var losses = new List<double>();
        long totalSteps = 0, warmDone = 0;
        if (warmSteps > 0)
        {
            var shortDocs = LongRetrievalTask.Generate(Math.Max(trainN, warmSteps * warmBatch / 4), seed + 3000, task with { MinLength = warmLength, MaxLength = warmLength, Records = warmRecords });
            warmDone = Phase(shortDocs, warmSteps, warmBatch, 0, warmup, false).Steps;
        }
        var result = Phase(train, steps, batch, tokens, warmSteps > 0 ? Math.Min(warmup, 50) : warmup, profile);
        double trainMin = sw.Elapsed.TotalMinutes;
        double endLoss = losses.Count == 0 ? double.NaN : losses.Skip(Math.Max(0, losses.Count - 20)).Average();

        TrainResult Phase(List<Example> docs, int maxSteps, int batchSize, int tokenBudget, int warm, bool prof)
        {
            var options = new TrainerOptions
            {
                MaxSteps = maxSteps, MaxMinutes = Math.Max(0.01, minutes * 0.85 - sw.Elapsed.TotalMinutes),   // the rest of the budget is evaluation
                Optimizer = new OptimizerOptions(OptimizerKind.Adam, lr, Beta2: 0.98),
                Schedule = new LrScheduleConfig(LrScheduleKind.InverseSqrt, lr, WarmupSteps: warm),
                LabelSmoothing = 0f, ClipNorm = 1.0, ValidEvery = 0, ValidDecode = false, CheckpointEvery = 0, LogEvery = 0, Seed = (ulong)seed,
            };
            var trainer = new Trainer(model, options, docs, null,
                                      new BatcherOptions { BatchSize = tokenBudget > 0 ? 0 : batchSize, MaxTokens = tokenBudget > 0 ? tokenBudget : 4096, Shuffle = true, Seed = seed });
            long profileFrom = 0;
            trainer.StepCompleted += s =>
            {
                if (prof && s.Step == 3) { OpProfile.Reset(); OpProfile.Enabled = true; profileFrom = Stopwatch.GetTimestamp(); }
                if (prof && s.Step == 8) { OpProfile.Enabled = false; PrintProfile(5, Stopwatch.GetElapsedTime(profileFrom).TotalSeconds); }
                if (s.Step % 50 == 0)
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {totalSteps + s.Step} loss {s.Loss:F3} {sw.Elapsed.TotalMinutes:F1} min"));
            };
            var r = trainer.Train();
            losses = r.Losses.ToList();
            totalSteps += r.Steps;
            return r;
        }
        model.Eval();
        var outs = SequenceGenerator.Generate((ISeq2SeqModel)model, test.Select(e => e.Src).ToList(),
                                              new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = test[0].Tgt.Length + 2 });   // the target (key echo included) and slack
        int ok = Enumerable.Range(0, test.Count).Count(i => outs[i].Hypotheses.Count > 0 && outs[i].Hypotheses[0].Tokens.AsSpan().SequenceEqual(test[i].Tgt));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"longtask\",\"kind\":\"{kind.ToString().ToLowerInvariant()}\",\"length\":{length},\"window\":{window},\"conv\":{conv},\"echo_key\":{(task.EchoKey ? 1 : 0)},\"global\":{globals},\"accuracy\":{(double)ok / test.Count:F4},\"eval\":\"{(valid ? "valid" : "test")}\",\"test\":{test.Count},\"lr\":{lr},\"train_length\":\"{minLength}-{maxLength}\",\"warm_steps\":{warmDone},\"warm_length\":{warmLength},\"steps\":{result.Steps},\"steps_per_s\":{totalSteps / Math.Max(1e-9, trainMin * 60):F3},\"end_loss\":{endLoss:F4},\"batch\":{batch},\"train_min\":{trainMin:F2},\"total_min\":{sw.Elapsed.TotalMinutes:F2},\"peak_rss_mib\":{TrainBench.PeakRssMib():F0}}}"));
    }

    private static int Int(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : fallback;
    }

    /// <summary>Per-op time of the profiled steps on stderr, largest first (ms per step; own = outside the GEMM).</summary>
    private static void PrintProfile(int steps, double seconds)
    {
        double f = 1000.0 / Stopwatch.Frequency / steps;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"profile: {seconds * 1000 / steps:F0} ms per step"));
        foreach (var (key, e) in OpProfile.Entries.OrderByDescending(kv => kv.Value.Ticks))
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {(key.Backward ? "bwd" : "fwd")} {key.Op,-28} {e.Ticks * f,8:F1} ms  gemm {e.GemmTicks * f,7:F1} ms  {e.GemmFlops / Math.Max(1, e.GemmTicks * f / 1000 * steps) / 1e9,5:F1} GF/s  copy {e.CopyTicks * f,6:F1}  calls {e.Calls / steps}"));
    }

    private static double Dbl(string[] args, string name, double fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : fallback;
    }

    private static string? Str(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
