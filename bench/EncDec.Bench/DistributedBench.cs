using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EncDec.Data;
using EncDec.Distributed;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Training;

namespace EncDec.Bench;

/// <summary>
/// Data-parallel training cost on one machine: the <c>bench train</c> Transformer (d 256, 3+3 layers, 64 × 20-token
/// batches) run (a) as one process with 2 threads and gradient accumulation 2, and (b) as 2 MPI ranks × 1 thread
/// (<c>mpirun -np 2</c>), each rank one 64-example batch a step — the same work per step. Reported as one JSON line:
/// median step time of each, the time of one all-reduce of the whole gradient (measured after training), the part of
/// it that training still waited for after backward (exposed), and the overlap fraction 1 − exposed / all-reduce.
/// Options: <c>--steps N</c> (timed, default 20), <c>--warmup N</c> (default 3). Needs Open MPI's mpirun.
/// </summary>
public static class DistributedBench
{
    public static void Run(string[] args)
    {
        int steps = BenchArgs.Int(args, "--steps", 20), warmup = BenchArgs.Int(args, "--warmup", 3);
        string[] worker = ["distributed-worker", "--steps", TrainBench.Inv(steps), "--warmup", TrainBench.Inv(warmup)];
        var one = JsonDocument.Parse(Child(null, 2, worker)).RootElement;
        var two = JsonDocument.Parse(Child(2, 1, worker)).RootElement;
        double s1 = one.GetProperty("step_s").GetDouble(), s2 = two.GetProperty("step_s").GetDouble();
        double ar = two.GetProperty("allreduce_s").GetDouble(), exposed = two.GetProperty("exposed_wait_s").GetDouble();
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bench"] = "distributed",
            ["model"] = "transformer",
            ["params"] = two.GetProperty("params").GetInt64(),
            ["gradient_mib"] = two.GetProperty("gradient_mib").GetDouble(),
            ["step_s_1rank_x2threads"] = s1,
            ["step_s_2ranks_x1thread"] = s2,
            ["speed_2ranks_vs_1rank"] = Math.Round(s1 / s2, 3),
            ["allreduce_s"] = ar,
            ["exposed_wait_s"] = exposed,
            ["overlap_fraction"] = Math.Round(Math.Clamp(1 - exposed / Math.Max(ar, 1e-9), 0, 1), 3),
            ["buckets"] = two.GetProperty("buckets").GetInt32(),
            ["buckets_started_in_backward"] = two.GetProperty("buckets_in_backward").GetInt32(),
            ["peak_rss_mib_per_rank"] = two.GetProperty("peak_rss_mib").GetDouble(),
            ["peak_rss_mib_1rank"] = one.GetProperty("peak_rss_mib").GetDouble(),
            ["tokens_per_step"] = two.GetProperty("tokens_per_step").GetInt32(),
            ["steps"] = steps,
        }));
    }

    /// <summary>Runs the worker (under mpirun with <paramref name="ranks"/> ranks, or alone) and returns rank 0's JSON line.</summary>
    private static string Child(int? ranks, int threads, string[] args)
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("unknown process path");
        var cmd = new List<string>();
        if (ranks is { } n) cmd.AddRange(["--allow-run-as-root", "--oversubscribe", "-np", TrainBench.Inv(n), "--bind-to", "core", exe]);
        if (Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) cmd.Add(typeof(DistributedBench).Assembly.Location);
        cmd.AddRange(args);
        var psi = new ProcessStartInfo(ranks is null ? exe : "mpirun") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in cmd) psi.ArgumentList.Add(a);
        psi.Environment["ENCDEC_THREADS"] = TrainBench.Inv(threads);
        psi.Environment["OPENBLAS_NUM_THREADS"] = TrainBench.Inv(threads);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"distributed-worker ({ranks?.ToString(CultureInfo.InvariantCulture) ?? "1"} ranks) exited with {p.ExitCode}");
        // mpirun may put terminal control codes before a rank's first line
        var line = output.Split('\n').Last(l => l.Contains("{\"ranks\"", StringComparison.Ordinal));
        return line[line.IndexOf('{')..];
    }

    /// <summary>One side of the bench: trains the bench Transformer, as rank r of an MPI job when started by mpirun.</summary>
    public static void Worker(string[] args)
    {
        int steps = BenchArgs.Int(args, "--steps", 20), warmup = BenchArgs.Int(args, "--warmup", 3);
        using var group = MpiGroup.LaunchedByMpirun ? MpiGroup.Start() : null;
        int world = group?.WorldSize ?? 1;
        const int vocab = 8000, batch = 64, length = 20;
        var config = new ModelConfig
        {
            Family = ModelFamily.Transformer, SrcVocabSize = vocab, TgtVocabSize = vocab, ShareEmbeddings = true, DModel = 256,
            Heads = 4, FeedForward = 1024, EncoderLayers = 3, DecoderLayers = 3, Dropout = 0.1f, Seed = 1,
        };
        var module = ModelFactory.Build(config);
        var rng = new Random(12345);
        int total = warmup + steps;
        var examples = Enumerable.Range(0, batch * total * 2).Select(_ => new Example(
            Enumerable.Range(0, length).Select(_ => 5 + rng.Next(vocab - 5)).ToArray(),
            Enumerable.Range(0, length).Select(_ => 5 + rng.Next(vocab - 5)).ToArray())).ToList();
        var options = new TrainerOptions
        {
            MaxSteps = total, GradAccumulation = 2 / world,
            Optimizer = new OptimizerOptions(OptimizerKind.Adam, 1e-4, Beta2: 0.98),
            Schedule = new LrScheduleConfig(LrScheduleKind.Constant, 1e-4),
            LabelSmoothing = 0.1f, ClipNorm = 1.0, ValidEvery = 0, ValidDecode = false, CheckpointEvery = 0, LogEvery = 0, Seed = 1,
        };
        var trainer = new Trainer(module, options, examples, null, new BatcherOptions { BatchSize = batch, Shuffle = false }) { DataParallel = group };
        var times = new List<double>(); var waits = new List<double>();
        double last = 0; int tokens = 0, inBackward = 0;
        trainer.StepCompleted += s =>
        {
            if (s.Step > warmup) { times.Add(s.ElapsedSeconds - last); waits.Add(trainer.LastReductionWaitSeconds); inBackward = trainer.LastBucketsOverlapped; }
            last = s.ElapsedSeconds; tokens = s.TargetTokens;
        };
        trainer.Train();

        // one all-reduce of the whole gradient, alone (median of 5)
        long gradElements = module.ParameterCount;
        double allreduce = 0;
        if (group is not null)
        {
            var buffer = new float[gradElements];
            var ar = new List<double>();
            for (int i = 0; i < 5; i++)
            {
                group.Barrier();
                var c = Stopwatch.StartNew();
                group.SumAsync(buffer, buffer.Length).Wait();
                ar.Add(c.Elapsed.TotalSeconds);
            }
            allreduce = Median(ar);
        }
        if ((group?.Rank ?? 0) != 0) return;
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["ranks"] = world,
            ["params"] = module.ParameterCount,
            ["gradient_mib"] = Math.Round(gradElements * 4 / 1048576.0, 1),
            ["step_s"] = Math.Round(Median(times), 4),
            ["allreduce_s"] = Math.Round(allreduce, 4),
            ["exposed_wait_s"] = Math.Round(Median(waits), 4),
            ["buckets"] = trainer.GradientBucketCount,
            ["buckets_in_backward"] = inBackward,
            ["peak_rss_mib"] = Math.Round(TrainBench.PeakRssMib(), 1),
            ["tokens_per_step"] = tokens,
        }));
    }

    private static double Median(List<double> xs)
    {
        if (xs.Count == 0) return 0;
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
