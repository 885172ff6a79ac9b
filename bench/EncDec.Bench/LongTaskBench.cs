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
        int length = BenchArgs.Int(args, "--length", 4000), window = BenchArgs.Int(args, "--window", 64), globals = BenchArgs.Int(args, "--global", 2);
        int trainN = BenchArgs.Int(args, "--train", 2000), testN = BenchArgs.Int(args, "--test", 200), batch = BenchArgs.Int(args, "--batch", 4), seed = BenchArgs.Int(args, "--seed", 1);
        double minutes = BenchArgs.Double(args, "--minutes", 10);
        int steps = BenchArgs.Int(args, "--steps", 1_000_000), minLength = BenchArgs.Int(args, "--min-length", length), maxLength = BenchArgs.Int(args, "--max-length", length), encLayers = BenchArgs.Int(args, "--enc-layers", 2);
        int decLayers = BenchArgs.Int(args, "--dec-layers", 1), warmup = BenchArgs.Int(args, "--warmup", 100), chunk = BenchArgs.Int(args, "--chunk", 128), tokens = BenchArgs.Int(args, "--tokens", 0);
        double lr = BenchArgs.Double(args, "--lr", 1e-3);
        int conv = BenchArgs.Int(args, "--conv", 0);   // width of the encoder layers' local conv sublayer (0 = none)
        var kind = Enum.Parse<AttentionCoreKind>(BenchArgs.String(args, "--kind") ?? "sliding", ignoreCase: true);
        var task = new LongRetrievalOptions
        {
            MinLength = length, MaxLength = length, Records = BenchArgs.Int(args, "--records", 8), Keys = BenchArgs.Int(args, "--keys", 16), ValueLength = BenchArgs.Int(args, "--value-length", 2),
            EchoKey = BenchArgs.Int(args, "--echo-key", 0) != 0,
        };
        var train = LongRetrievalTask.Generate(trainN, seed, task with { MinLength = minLength, MaxLength = maxLength });
        // --eval valid: documents of another seed for choosing settings; the held-out test documents score the goal
        bool valid = string.Equals(BenchArgs.String(args, "--eval"), "valid", StringComparison.OrdinalIgnoreCase);
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
        int warmSteps = BenchArgs.Int(args, "--warm-steps", 0), warmLength = BenchArgs.Int(args, "--warm-length", 200), warmBatch = BenchArgs.Int(args, "--warm-batch", 16);
        int warmRecords = BenchArgs.Int(args, "--warm-records", task.Records);
        bool profile = BenchArgs.Flag(args, "--profile");
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

    /// <summary>Per-op time of the profiled steps on stderr: one JSON line for the step, then <see cref="OpBreakdown.PrintOps"/>'s lines.</summary>
    private static void PrintProfile(int steps, double seconds)
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"profile\":\"longtask\",\"steps\":{steps},\"ms_step\":{seconds * 1000 / steps:F1}}}"));
        OpBreakdown.PrintOps(Console.Error, "longtask", steps, OpProfile.Entries);
    }
}
