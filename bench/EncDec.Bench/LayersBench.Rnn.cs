using System.Diagnostics;
using System.Globalization;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Tensors.Gemm;

namespace EncDec.Bench;

public static partial class LayersBench
{
    /// <summary>
    /// Forward + backward of one bidirectional LSTM layer (batch 64, length 20, input 256, hidden 512), the
    /// training benchmark of the recurrent encoder. Prints the median of <c>--iters</c> (default 10, at least 10)
    /// timed iterations after <c>--warmup</c> (default 2) as one JSON line. <c>--padded</c> uses varied lengths.
    /// </summary>
    public static void RunLstm(string[] args)
    {
        int iters = Math.Max(10, BenchArgs.Int(args, "--iters", 10));
        int warmup = BenchArgs.Int(args, "--warmup", 2);
        bool padded = BenchArgs.Flag(args, "--padded");
        const int B = 64, T = 20, I = 256, H = 512;
        var rng = new Rng(1);
        var lstm = new Lstm(I, H, bidirectional: true, rng: rng);
        Tensor x;
        using (TensorScope.Suspend()) x = Tensor.Randn(rng, B, T, I).RequiresGrad_();
        int[]? lengths = padded ? Enumerable.Range(0, B).Select(b => T - b % 8).ToArray() : null;
        var times = new List<double>();
        for (int it = 0; it < warmup + iters; it++)
        {
            var sw = Stopwatch.StartNew();
            using (TensorScope.Begin())
            {
                var (o, s) = lstm.Forward(x, null, lengths);
                (o.Sum() + s.H.Sum() + s.C.Sum()).Backward();
            }
            sw.Stop();
            foreach (var p in lstm.Parameters()) p.ZeroGrad(setToNull: false);
            x.ZeroGrad(setToNull: false);
            if (it >= warmup) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        double median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"layers\",\"layer\":\"lstm\",\"fwd_bwd_ms\":{median:F2},\"min_ms\":{times[0]:F2},\"iters\":{iters},\"batch\":{B},\"length\":{T},\"input\":{I},\"hidden\":{H},\"bidirectional\":true,\"padded\":{(padded ? "true" : "false")},\"gemm\":\"{GemmProviders.Current.Name}\"}}"));
    }
}
