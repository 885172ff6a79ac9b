using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EncDec.Data;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Training;

namespace EncDec.Bench;

/// <summary>
/// Training throughput: target tokens per second and peak RSS of full training steps (forward, label-smoothed loss,
/// backward, clipping, Adam) through the <see cref="Trainer"/>, on synthetic random-token batches of 64 × length 20
/// over a shared 8,000-token vocabulary (fixed seed). Models: (a) a Transformer, d_model 256, 4 heads, 3+3 layers,
/// FFN 1024, dropout 0.1; (b) an LSTM encoder-decoder, embedding 256, hidden 512, bidirectional 1-layer encoder,
/// 1-layer decoder with Bahdanau attention and input feeding. Reported: the median over the timed steps after the
/// warm-up steps; target tokens count every non-padding target position (tokens + EOS).
/// Each model runs in its own child process so that its peak RSS (VmHWM) is its own.
/// Options: <c>--model transformer|lstm</c> (default: both, one process each), <c>--steps N</c> (timed, default 20),
/// <c>--warmup N</c> (default 3), <c>--verbose</c> (per-step time and memory on stderr).
/// </summary>
public static class TrainBench
{
    private const int Vocab = 8000, Batch = 64, Length = 20;

    public static void Run(string[] args)
    {
        string? model = BenchArgs.String(args, "--model");
        int steps = Math.Max(20, BenchArgs.Int(args, "--steps", 20));
        int warmup = Math.Max(3, BenchArgs.Int(args, "--warmup", 3));
        bool verbose = BenchArgs.Flag(args, "--verbose");
        if (model is null)
        {
            foreach (var m in new[] { "transformer", "lstm" }) RunChild(new[] { "train", "--model", m, "--steps", Inv(steps), "--warmup", Inv(warmup) });
            return;
        }
        var config = model switch
        {
            "transformer" => new ModelConfig
            {
                Family = ModelFamily.Transformer, SrcVocabSize = Vocab, TgtVocabSize = Vocab, ShareEmbeddings = true, DModel = 256,
                Heads = 4, FeedForward = 1024, EncoderLayers = 3, DecoderLayers = 3, Dropout = 0.1f, Seed = 1,
            },
            "lstm" => new ModelConfig
            {
                Family = ModelFamily.Rnn, Cell = RnnCellKind.Lstm, SrcVocabSize = Vocab, TgtVocabSize = Vocab, ShareEmbeddings = true,
                DModel = 256, HiddenSize = 512, EncoderLayers = 1, DecoderLayers = 1, Bidirectional = true,
                Attention = AttentionKind.Bahdanau, Dropout = 0.1f, Seed = 1,
            },
            _ => throw new UserInputException($"--model: expected transformer or lstm, got '{model}'"),
        };
        var module = ModelFactory.Build(config);

        // random batches: every example has source and target length 20 (ids above the 5 specials)
        var rng = new Random(12345);
        int total = warmup + steps;
        var examples = Enumerable.Range(0, Batch * total).Select(_ => new Example(
            Enumerable.Range(0, Length).Select(_ => 5 + rng.Next(Vocab - 5)).ToArray(),
            Enumerable.Range(0, Length).Select(_ => 5 + rng.Next(Vocab - 5)).ToArray())).ToList();
        var options = new TrainerOptions
        {
            MaxSteps = total,
            Optimizer = new OptimizerOptions(OptimizerKind.Adam, 1e-4, Beta2: 0.98),
            Schedule = new LrScheduleConfig(LrScheduleKind.Constant, 1e-4),
            LabelSmoothing = 0.1f,
            ClipNorm = 1.0,
            ValidEvery = 0,
            ValidDecode = false,
            CheckpointEvery = 0,
            LogEvery = 0,
            Seed = 1,
        };
        var trainer = new Trainer(module, options, examples, null, new BatcherOptions { BatchSize = Batch, Shuffle = false });
        var rates = new List<double>();
        double last = 0;
        trainer.StepCompleted += s =>
        {
            double dt = s.ElapsedSeconds - last;
            last = s.ElapsedSeconds;
            if (s.Step > warmup) rates.Add(s.TargetTokens / dt);
            if (verbose) Console.Error.WriteLine($"step {s.Step}: {dt:F3} s, loss {s.Loss:F3}, rss {RssMib():F0} MiB, gc heap {GC.GetTotalMemory(false) / 1048576.0:F0} MiB");
        };
        trainer.Train();
        rates.Sort();
        double median = rates.Count % 2 == 1 ? rates[rates.Count / 2] : (rates[rates.Count / 2 - 1] + rates[rates.Count / 2]) / 2;
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bench"] = "train",
            ["model"] = model,
            ["params"] = module.ParameterCount,
            ["tgt_tokens_per_s"] = Math.Round(median, 1),
            ["peak_rss_mib"] = Math.Round(PeakRssMib(), 1),
            ["steps"] = steps,
            ["batch"] = Batch,
            ["length"] = Length,
        }));
    }

    /// <summary>Current resident set size in MiB (VmRSS; 0 where /proc is missing).</summary>
    internal static double RssMib()
    {
        if (!File.Exists("/proc/self/status")) return 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        return 0;
    }

    /// <summary>Peak resident set size in MiB: VmHWM from /proc/self/status, else the process's peak working set.</summary>
    internal static double PeakRssMib()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;   // kB → MiB
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        using var p = Process.GetCurrentProcess();
        return p.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>Runs this bench executable again with <paramref name="args"/> and copies its output.</summary>
    internal static void RunChild(string[] args)
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("unknown process path");
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = false, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            psi.ArgumentList.Add(typeof(TrainBench).Assembly.Location);                 // running as "dotnet EncDec.Bench.dll"
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + exe);
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"child bench {string.Join(' ', args)} exited with {p.ExitCode}");
    }

    internal static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);
}
