using System.Diagnostics;
using System.Text.Json;
using EncDec.Data;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Bench;

/// <summary>
/// Training on a real corpus with real (varying) batch shapes: the README's Multi30k recipe (joint BPE 8k,
/// Transformer d 256, 4 heads, 3+3 layers, FFN 1024, dropout 0.1, shared embeddings, batches of at most 4,096
/// padded tokens, Adam lr 5e-4 β2 0.98 with inverse-sqrt warm-up 1000, label smoothing 0.1) for N steps, through
/// the <see cref="Trainer"/>. Prints one JSON line: target tokens/s over the steps after the first N/5, peak RSS,
/// RSS at step N/5 and at N, the managed heap and the tensor pool at N.
/// Options: <c>--data DIR</c> (train.en, train.de; default ../shared/data/multi30k), <c>--steps N</c> (default 300),
/// <c>--src en --tgt de</c>, <c>--verbose</c> (per-step memory on stderr),
/// <c>--profile</c> (see <see cref="RealTrainProfile"/>).
/// </summary>
public static class RealTrainBench
{
    public static void Run(string[] args)
    {
        string data = BenchArgs.String(args, "--data") ?? Path.Combine("..", "shared", "data", "multi30k");
        int steps = Math.Max(10, BenchArgs.Int(args, "--steps", 300));
        string srcLang = BenchArgs.String(args, "--src") ?? "en", tgtLang = BenchArgs.String(args, "--tgt") ?? "de";
        bool verbose = BenchArgs.Flag(args, "--verbose");
        var pairs = ParallelCorpus.FromFiles(Path.Combine(data, $"train.{srcLang}"), Path.Combine(data, $"train.{tgtLang}")).ToList();
        var tok = Tokenizer.Train(TokenizerKind.Bpe, pairs.SelectMany(p => new[] { p.Source, p.Target }), 8000);
        var examples = Examples.Tokenize(pairs, tok, tok, new LengthFilter { MaxSrcTokens = 128, MaxTgtTokens = 128 });
        var config = new ModelConfig
        {
            Family = ModelFamily.Transformer, SrcVocabSize = tok.Vocab.Count, TgtVocabSize = tok.Vocab.Count, ShareEmbeddings = true,
            DModel = 256, Heads = 4, FeedForward = 1024, EncoderLayers = 3, DecoderLayers = 3, Dropout = 0.1f, Seed = 1,
        };
        if (BenchArgs.Flag(args, "--profile")) { RealTrainProfile.Run(args, examples, () => ModelFactory.Build(config), tok.Vocab.Count); return; }
        var module = ModelFactory.Build(config);
        var options = new TrainerOptions
        {
            MaxSteps = steps,
            Optimizer = new OptimizerOptions(OptimizerKind.Adam, 5e-4, Beta2: 0.98),
            Schedule = new LrScheduleConfig(LrScheduleKind.InverseSqrt, 5e-4, WarmupSteps: 1000),
            LabelSmoothing = 0.1f, ValidEvery = 0, ValidDecode = false, CheckpointEvery = 0, LogEvery = 0, Seed = 1,
        };
        var trainer = new Trainer(module, options, examples, null, new BatcherOptions { MaxTokens = 4096, Shuffle = true, Seed = 1 });
        int fifth = Math.Max(1, steps / 5);
        double rssAtFifth = 0, timeAtFifth = 0;
        long tokensAfterFifth = 0;
        trainer.StepCompleted += s =>
        {
            if (s.Step == fifth) { rssAtFifth = TrainBench.RssMib(); timeAtFifth = s.ElapsedSeconds; }
            else if (s.Step > fifth) tokensAfterFifth += s.TargetTokens;
            if (verbose)
                Console.Error.WriteLine($"step {s.Step}: tokens {s.TargetTokens}, loss {s.Loss:F3}, rss {TrainBench.RssMib():F0} MiB, " +
                                        $"gc heap {GC.GetTotalMemory(false) / 1048576.0:F0} MiB, pool {TensorPool.PooledBytes / 1048576.0:F0} MiB, " +
                                        $"live {TensorPool.LiveBytes / 1048576.0:F0} peak {TensorPool.PeakLiveBytes / 1048576.0:F0} dropped {TensorPool.DroppedBytes / 1048576.0:F0} MiB, " +
                                        $"gcs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        };
        var clock = Stopwatch.StartNew();
        var result = trainer.Train();
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bench"] = "realtrain",
            ["steps"] = result.Steps,
            ["params"] = module.ParameterCount,
            ["tgt_tokens_per_s"] = Math.Round(tokensAfterFifth / Math.Max(seconds - timeAtFifth, 1e-9), 1),
            ["peak_rss_mib"] = Math.Round(TrainBench.PeakRssMib(), 1),
            ["rss_at_fifth_mib"] = Math.Round(rssAtFifth, 1),
            ["rss_at_end_mib"] = Math.Round(TrainBench.RssMib(), 1),
            ["gc_heap_mib"] = Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1),
            ["pool_mib"] = Math.Round(TensorPool.PooledBytes / 1048576.0, 1),
            ["peak_live_tensor_mib"] = Math.Round(TensorPool.PeakLiveBytes / 1048576.0, 1),
            ["dropped_mib"] = Math.Round(TensorPool.DroppedBytes / 1048576.0, 1),
            ["final_loss"] = Math.Round(result.Losses.Count > 0 ? result.Losses[^1] : double.NaN, 4),
        }));
    }
}
