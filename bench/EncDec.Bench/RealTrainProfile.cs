using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EncDec.Autograd;
using EncDec.Data;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Bench;

/// <summary>
/// Diagnostics for <c>bench realtrain</c>: where a real-batch training step spends its time against the fixed 64×20
/// batches of <c>bench train</c>, measured in one process with the two kinds of batches alternating (blocks of
/// <c>--block</c> steps, <c>--rounds</c> times) so that a contended machine slows both alike. The step is the
/// Trainer's (one TensorScope freeing activations; forward, label-smoothed cross-entropy, backward, gradient norm,
/// Adam, zero-grad), timed phase by phase, with GC collections and pause time, allocated bytes, bytes the pool
/// dropped and minor page faults per arm. Also prints the padding of the epoch's batch plan.
/// <c>realtrain --profile [--arms real,fixed,pad8] [--block 30] [--rounds 2] [--ops]</c>; <c>--ops</c> adds the time of
/// each op, forward and backward, grouped by kind, with GEMM time and GFLOP/s against this machine's GEMM peak
/// (see <see cref="OpBreakdown"/>).
/// </summary>
public static class RealTrainProfile
{
    private sealed class Arm(string name)
    {
        public string Name { get; } = name;
        public int Steps, Tokens, Positions;
        public double Batch, Forward, Backward, Norm, Optim, Zero, Dispose, Total;
        public int Gc0, Gc1, Gc2;
        public double PauseMs, AllocMib, DroppedMib, MinorFaults;
        public readonly Dictionary<(bool Backward, string Op), OpProfile.Entry> Ops = new();
    }

    public static void Run(string[] args, List<Example> examples, Func<EncDec.Nn.Module> build, int vocab)
    {
        int block = BenchArgs.Int(args, "--block", 30), rounds = BenchArgs.Int(args, "--rounds", 2);
        string[] armNames = (BenchArgs.String(args, "--arms") ?? "real,fixed").Split(',');
        int multiple = BenchArgs.Int(args, "--multiple", 8);
        var batcher = new Batcher(examples, new BatcherOptions { MaxTokens = 4096, Shuffle = true, Seed = 1 });
        var plan = batcher.Plan(0);
        PrintPlan("plan", examples, plan);
        var oldPlan = SourceSortedPlan(examples);
        PrintPlan("source-sorted plan", examples, oldPlan);
        if (BenchArgs.Flag(args, "--plans")) { ComparePlans(examples); return; }
        bool census = BenchArgs.Flag(args, "--census");
        bool ops = BenchArgs.Flag(args, "--ops");
        double gemmPeak = ops ? OpBreakdown.GemmPeakGflops() : 0;

        var module = build();
        var model = (ITeacherForcedModel)module;
        module.Train();
        var optimizer = Optimizer.Create(new OptimizerOptions(OptimizerKind.Adam, 5e-4, Beta2: 0.98), module.NamedParameters());
        var schedule = LrSchedule.Create(new LrScheduleConfig(LrScheduleKind.InverseSqrt, 5e-4, WarmupSteps: 1000));
        var rng = new Random(12345);
        int fixedLen = 20, fixedB = 64;
        Example RandomExample() => new(
            Enumerable.Range(0, fixedLen).Select(_ => 5 + rng.Next(vocab - 5)).ToArray(),
            Enumerable.Range(0, fixedLen).Select(_ => 5 + rng.Next(vocab - 5)).ToArray());
        var fixedPool = Enumerable.Range(0, fixedB * 8).Select(_ => RandomExample()).ToList();
        int realPos = 0, fixedPos = 0, oldPos = 0;
        long step = 0;
        Batch Next(string arm)
        {
            switch (arm)
            {
                case "fixed":
                    var idx = Enumerable.Range(fixedPos, fixedB).Select(i => i % fixedPool.Count).ToArray();
                    fixedPos += fixedB;
                    return Batch.Create(fixedPool, idx);
                case "real":
                    return Batch.Create(examples, plan[realPos++ % plan.Count]);
                case "srcsort":
                    return Batch.Create(examples, oldPlan[oldPos++ % oldPlan.Count]);
                case "pad8":
                    return PadTo(Batch.Create(examples, plan[realPos++ % plan.Count]), multiple);
                default:
                    throw new UserInputException($"--arms: unknown arm '{arm}' (real, srcsort, fixed, pad8)");
            }
        }
        var arms = armNames.Select(n => new Arm(n)).ToList();
        var ps = module.Parameters().ToList();
        // warm-up: two steps of each arm outside the timing
        foreach (var a in arms) for (int i = 0; i < 2; i++) OneStep(Next(a.Name), null);
        for (int r = 0; r < rounds; r++)
            foreach (var a in arms)
            {
                int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
                var pause = GC.GetTotalPauseDuration();
                long alloc = GC.GetTotalAllocatedBytes(false), dropped = TensorPool.DroppedBytes;
                double faults = MinorFaults();
                if (ops) { OpProfile.Reset(); OpProfile.Enabled = true; }
                for (int i = 0; i < block; i++)
                {
                    long b0 = Stopwatch.GetTimestamp();
                    var batch = Next(a.Name);
                    double bs = Stopwatch.GetElapsedTime(b0).TotalSeconds;
                    a.Batch += bs; a.Total += bs;
                    OneStep(batch, a);
                }
                a.Gc0 += GC.CollectionCount(0) - g0; a.Gc1 += GC.CollectionCount(1) - g1; a.Gc2 += GC.CollectionCount(2) - g2;
                a.PauseMs += (GC.GetTotalPauseDuration() - pause).TotalMilliseconds;
                a.AllocMib += (GC.GetTotalAllocatedBytes(false) - alloc) / 1048576.0;
                a.DroppedMib += (TensorPool.DroppedBytes - dropped) / 1048576.0;
                a.MinorFaults += MinorFaults() - faults;
                if (ops) { OpProfile.Enabled = false; OpBreakdown.Merge(a.Ops, OpProfile.Entries); }
                Console.Error.WriteLine($"round {r} {a.Name}: {a.Tokens / a.Total:F0} tgt tok/s so far");
            }
        if (ops)
            foreach (var a in arms)
                OpBreakdown.Print(a.Name, a.Steps, a.Tokens, a.Ops, gemmPeak, a.Total, a.Batch, a.Forward, a.Backward, a.Norm, a.Optim - a.Norm, a.Zero, a.Dispose);
        foreach (var a in arms)
        {
            double ms(double s) => Math.Round(1000 * s / a.Steps, 1);
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["profile"] = a.Name, ["steps"] = a.Steps,
                ["tgt_tokens_per_s"] = Math.Round(a.Tokens / a.Total, 1),
                ["tgt_tokens_per_step"] = Math.Round((double)a.Tokens / a.Steps, 1),
                ["tgt_positions_per_step"] = Math.Round((double)a.Positions / a.Steps, 1),
                ["ms_step"] = ms(a.Total), ["ms_batch"] = ms(a.Batch), ["ms_forward_loss"] = ms(a.Forward), ["ms_backward"] = ms(a.Backward),
                ["ms_norm_adam"] = ms(a.Optim), ["ms_zero_grad"] = ms(a.Zero), ["ms_scope_dispose"] = ms(a.Dispose),
                ["us_per_tgt_token_fwd"] = Math.Round(1e6 * a.Forward / a.Tokens, 1), ["us_per_tgt_token_bwd"] = Math.Round(1e6 * a.Backward / a.Tokens, 1),
                ["gc_0_1_2"] = $"{a.Gc0}/{a.Gc1}/{a.Gc2}", ["gc_pause_ms_step"] = Math.Round(a.PauseMs / a.Steps, 1),
                ["alloc_mib_step"] = Math.Round(a.AllocMib / a.Steps, 1), ["dropped_mib_step"] = Math.Round(a.DroppedMib / a.Steps, 1),
                ["minor_faults_step"] = Math.Round(a.MinorFaults / a.Steps, 0),
            }));
        }
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["profile"] = "end", ["peak_rss_mib"] = Math.Round(TrainBench.PeakRssMib(), 1), ["rss_mib"] = Math.Round(TrainBench.RssMib(), 1),
            ["pool_mib"] = Math.Round(TensorPool.PooledBytes / 1048576.0, 1), ["peak_live_tensor_mib"] = Math.Round(TensorPool.PeakLiveBytes / 1048576.0, 1),
        }));

        void OneStep(Batch batch, Arm? a)
        {
            var sw = Stopwatch.StartNew();
            double t0, t1, t2, t3, t4, t5, tn;
            using (var scope = TensorScope.Begin(freeActivations: true))
            {
                t0 = sw.Elapsed.TotalSeconds;
                var src = new IndexTensor(batch.Src, batch.B, batch.S);
                long mark = Tensor.RegionMark();
                if (OpProfile.Enabled) OpProfile.Mark();
                var (logits, _) = model.Forward(src, batch.SrcLengths, new IndexTensor(batch.TgtIn, batch.B, batch.T)); // (B, T, V)
                var loss = F.CrossEntropy(logits.Reshape(batch.B * batch.T, -1), new IndexTensor(batch.TgtOut, batch.B * batch.T),
                                          ignoreIndex: Vocabulary.PadId, labelSmoothing: 0.1f);
                loss.Item();
                if (!BenchArgs.Flag(args, "--no-release")) Tensor.ReleaseUnsaved(loss, mark);   // as the Trainer
                if (OpProfile.Enabled) OpProfile.Charge(false, "(release unsaved)");
                t1 = sw.Elapsed.TotalSeconds;
                if (census && a is not null) LiveCensus.Print(loss, $"{a.Name} B {batch.B} S {batch.S} T {batch.T}");
                loss.MulScalar(1f).Backward();
                t2 = sw.Elapsed.TotalSeconds;
                GradClip.TotalNorm(ps);
                tn = sw.Elapsed.TotalSeconds;
                optimizer.Lr = schedule.LrAt(++step);
                optimizer.Step();
                t3 = sw.Elapsed.TotalSeconds;
                optimizer.ZeroGrad();
                t4 = sw.Elapsed.TotalSeconds;
            }
            t5 = sw.Elapsed.TotalSeconds;
            if (a is null) return;
            a.Steps++;
            a.Tokens += batch.TgtOut.Count(t => t != Vocabulary.PadId);
            a.Positions += batch.B * batch.T;
            a.Forward += t1 - t0; a.Backward += t2 - t1; a.Norm += tn - t2; a.Optim += t3 - t2; a.Zero += t4 - t3; a.Dispose += t5 - t4;
            a.Total += t5;
        }
    }

    /// <summary>Batch creation cost is measured separately (it is outside the step's scope in neither case, but small).</summary>
    private static Batch PadTo(Batch b, int m)
    {
        int s = (b.S + m - 1) / m * m, t = (b.T + m - 1) / m * m;
        var src = new int[b.B * s]; var tin = new int[b.B * t]; var tout = new int[b.B * t];
        for (int r = 0; r < b.B; r++)
        {
            b.Src.AsSpan(r * b.S, b.S).CopyTo(src.AsSpan(r * s));
            b.TgtIn.AsSpan(r * b.T, b.T).CopyTo(tin.AsSpan(r * t));
            b.TgtOut.AsSpan(r * b.T, b.T).CopyTo(tout.AsSpan(r * t));
        }
        return new Batch(b.B, s, t, src, b.SrcLengths, tin, tout, b.TgtLengths, b.Indices);
    }

    /// <summary>Padding of a plan: real vs padded source and target positions, batch sizes, shapes.</summary>
    internal static void PrintPlan(string name, IReadOnlyList<Example> examples, List<int[]> plan)
    {
        long srcReal = 0, srcPad = 0, tgtReal = 0, tgtPad = 0, cost = 0;
        int t8 = 0;
        foreach (var idx in plan)
        {
            int s = 0, t = 0;
            foreach (int i in idx) { s = Math.Max(s, examples[i].Src.Length); t = Math.Max(t, examples[i].Tgt.Length + 1); srcReal += examples[i].Src.Length; tgtReal += examples[i].Tgt.Length + 1; }
            srcPad += (long)s * idx.Length; tgtPad += (long)t * idx.Length; cost += Batcher.Cost(idx.Length, s, t);
            if (t % 8 == 0) t8++;
        }
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["plan"] = name, ["batches"] = plan.Count, ["mean_b"] = Math.Round(plan.Average(p => p.Length), 1),
            ["src_real_frac"] = Math.Round((double)srcReal / srcPad, 3), ["tgt_real_frac"] = Math.Round((double)tgtReal / tgtPad, 3),
            ["tgt_real_per_batch"] = Math.Round((double)tgtReal / plan.Count, 1), ["budget_used_frac"] = Math.Round((double)cost / (4096.0 * plan.Count), 3),
            ["t_multiple_of_8"] = t8,
            ["src_pos_per_real_tgt"] = Math.Round((double)srcPad / tgtReal, 3), ["tgt_pos_per_real_tgt"] = Math.Round((double)tgtPad / tgtReal, 3),
        }));
    }

    /// <summary>The ordering the Batcher used before the cost key: each chunk of 8,192 sorted by source, then target length.</summary>
    private static List<int[]> SourceSortedPlan(List<Example> examples)
    {
        var order = Enumerable.Range(0, examples.Count).ToArray();
        var rng = new Random(1);
        rng.Shuffle(order);
        for (int c0 = 0; c0 < order.Length; c0 += 8192)
            Array.Sort(order, c0, Math.Min(8192, order.Length - c0), Comparer<int>.Create((a, b) =>
                (examples[a].Src.Length, examples[a].Tgt.Length, a).CompareTo((examples[b].Src.Length, examples[b].Tgt.Length, b))));
        var batches = new List<int[]>();
        int start = 0, s = 0, t = 0;
        for (int i = 0; i < order.Length; i++)
        {
            int ns = Math.Max(s, examples[order[i]].Src.Length), nt = Math.Max(t, examples[order[i]].Tgt.Length + 1);
            if (Batcher.Cost(i - start + 1, ns, nt) > 4096 && i > start)
            {
                batches.Add(order[start..i]);
                start = i; ns = examples[order[i]].Src.Length; nt = examples[order[i]].Tgt.Length + 1;
            }
            s = ns; t = nt;
        }
        if (start < order.Length) batches.Add(order[start..]);
        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batches));
        return batches;
    }

    /// <summary>Padding of other ways to order a shuffled epoch before packing under the same 4,096 budget.</summary>
    private static void ComparePlans(List<Example> examples)
    {
        int n = examples.Count;
        var order = Enumerable.Range(0, n).ToArray();
        new Random(1).Shuffle(order);
        int S(int i) => examples[i].Src.Length;
        int T(int i) => examples[i].Tgt.Length + 1;
        foreach (int chunk in new[] { 8192, 16384, 1 << 30 })
        {
            PrintPlan($"src,tgt chunk {chunk}", examples, PackAll(Sorted(order, chunk, (a, b) => (S(a), T(a), a).CompareTo((S(b), T(b), b)))));
            PrintPlan($"tgt,src chunk {chunk}", examples, PackAll(Sorted(order, chunk, (a, b) => (T(a), S(a), a).CompareTo((T(b), S(b), b)))));
            PrintPlan($"max,tgt,src chunk {chunk}", examples, PackAll(Sorted(order, chunk, (a, b) => (Math.Max(S(a), T(a)), T(a), S(a), a).CompareTo((Math.Max(S(b), T(b)), T(b), S(b), b)))));
            foreach (int w in new[] { 400, 800, 1600 })
            {
                var o = Sorted(order, chunk, (a, b) => (S(a), T(a), a).CompareTo((S(b), T(b), b)));
                for (int w0 = 0; w0 < o.Length; w0 += w)
                    Array.Sort(o, w0, Math.Min(w, o.Length - w0), Comparer<int>.Create((a, b) => (T(a), S(a), a).CompareTo((T(b), S(b), b))));
                PrintPlan($"src then tgt windows {w} chunk {chunk}", examples, PackAll(o));
            }
        }

        static int[] Sorted(int[] order, int chunk, Comparison<int> cmp)
        {
            var o = (int[])order.Clone();
            for (int c0 = 0; c0 < o.Length; c0 += chunk) Array.Sort(o, c0, Math.Min(chunk, o.Length - c0), Comparer<int>.Create(cmp));
            return o;
        }

        List<int[]> PackAll(int[] o)
        {
            var batches = new List<int[]>();
            int start = 0, s = 0, t = 0;
            for (int i = 0; i < o.Length; i++)
            {
                int ns = Math.Max(s, S(o[i])), nt = Math.Max(t, T(o[i]));
                if (Batcher.Cost(i - start + 1, ns, nt) > 4096 && i > start)
                {
                    batches.Add(o[start..i]);
                    start = i; ns = S(o[i]); nt = T(o[i]);
                }
                s = ns; t = nt;
            }
            if (start < o.Length) batches.Add(o[start..]);
            return batches;
        }
    }

    private static double MinorFaults()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return double.Parse(fields[7], CultureInfo.InvariantCulture);   // field 10 (minflt), counted after the comm field
        }
        catch (IOException) { return 0; }
    }
}
