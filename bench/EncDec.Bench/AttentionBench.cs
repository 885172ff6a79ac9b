using EncDec.Nn.LongAttention;
using System.Diagnostics;
using System.Globalization;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Tensors.Gemm;

namespace EncDec.Bench;

/// <summary>
/// Forward+backward time and peak memory of one encoder self-attention layer (<see cref="MultiheadAttention"/>,
/// d_model 256, 4 heads, batch 1, no dropout) for each attention core at n = 512 … 16k. Every (core, n) runs in its
/// own child process (warmed up at n = 256 first), so its peak RSS (VmHWM) is its own; the cores are interleaved at
/// each n. Full attention is skipped, with a JSON line saying so, where its score and probability matrices alone
/// (2·H·n² floats) would exceed the memory budget.
/// Options: <c>--sizes 512,1024,…</c>, <c>--kinds full,chunked,sliding,linear</c>, <c>--budget-mib N</c> (default 4096),
/// <c>--window N</c> (256), <c>--chunk N</c> (128); a child gets <c>--kind K --n N</c>.
/// </summary>
public static class AttentionBench
{
    private const int DModel = 256, Heads = 4;

    public static void Run(string[] args)
    {
        int window = BenchArgs.Int(args, "--window", 256), chunk = BenchArgs.Int(args, "--chunk", 128);
        string? kind = BenchArgs.String(args, "--kind");
        if (kind is not null)
        {
            RunOne(Enum.Parse<AttentionCoreKind>(kind, ignoreCase: true), BenchArgs.Int(args, "--n", 1024), window, chunk);
            return;
        }
        var sizes = (BenchArgs.String(args, "--sizes") ?? "512,1024,2048,4096,8192,16384").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture));
        var kinds = (BenchArgs.String(args, "--kinds") ?? "full,chunked,sliding,linear").Split(',').Select(s => Enum.Parse<AttentionCoreKind>(s, ignoreCase: true)).ToArray();
        long budget = BenchArgs.Int(args, "--budget-mib", 4096);
        foreach (int n in sizes)
            foreach (var k in kinds)
            {
                double needMib = 2.0 * Heads * n * (double)n * 4 / 1048576;
                if (k == AttentionCoreKind.Full && needMib > budget)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{{\"bench\":\"attention\",\"kind\":\"full\",\"n\":{n},\"skipped\":\"scores and probabilities alone need {needMib:F0} MiB > budget {budget} MiB\"}}"));
                    continue;
                }
                TrainBench.RunChild(new[] { "attention", "--kind", k.ToString().ToLowerInvariant(), "--n", TrainBench.Inv(n),
                                            "--window", TrainBench.Inv(window), "--chunk", TrainBench.Inv(chunk) });
            }
    }

    private static void RunOne(AttentionCoreKind kind, int n, int window, int chunk)
    {
        var rng = new Rng(1);
        var mha = new MultiheadAttention(DModel, Heads, 0f, rng: rng, core: AttentionCores.Create(new AttentionCoreOptions(kind, chunk, window)));
        double Step(int len)
        {
            Tensor x;
            using (TensorScope.Suspend()) x = Tensor.Randn(rng, 1, len, DModel).RequiresGrad_();   // (1, n, d)
            var sw = Stopwatch.StartNew();
            using (TensorScope.Begin())
            {
                var y = mha.Forward(x, x, x).Output;                                                  // (1, n, d)
                y.Sum().Backward();
            }
            double ms = sw.Elapsed.TotalMilliseconds;
            mha.ZeroGrad();
            return ms;
        }
        for (int i = 0; i < 3; i++) Step(256);                                                        // JIT warm-up
        double baseRss = TrainBench.PeakRssMib();
        int iters = n <= 1024 ? 5 : n <= 2048 ? 3 : 1;
        var times = Enumerable.Range(0, iters).Select(_ => Step(n)).OrderBy(t => t).ToArray();
        double median = times[iters / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"attention\",\"kind\":\"{kind.ToString().ToLowerInvariant()}\",\"n\":{n},\"fwd_bwd_ms\":{median:F1},\"iters\":{iters},\"peak_rss_mib\":{TrainBench.PeakRssMib():F0},\"warm_rss_mib\":{baseRss:F0},\"d_model\":{DModel},\"heads\":{Heads},\"batch\":1,\"window\":{window},\"chunk\":{chunk},\"gemm\":\"{GemmProviders.Current.Name}\"}}"));
    }
}
