using System.Diagnostics;
using System.Text.Json;
using EncDec.Tensors;
using EncDec.Tensors.Gemm;

namespace EncDec.Bench;

/// <summary>
/// The per-op table of <c>realtrain --profile --ops</c>: what <see cref="OpProfile"/> recorded over an arm's timed steps,
/// per step, by op (forward and backward, GEMM time apart) and by kind (GEMM, attention softmax/mask/dropout, layer norm,
/// dropout, embedding, log-softmax/loss, copies/views, elementwise, allocation/pool/autograd, optimizer), with the GEMMs'
/// GFLOP/s against the machine's GEMM peak (best of a few square 1024 products through the current provider).
/// </summary>
internal static class OpBreakdown
{
    /// <summary>Best GFLOP/s of a 1024³ single-precision product through the GEMM provider the tensors use.</summary>
    public static unsafe double GemmPeakGflops()
    {
        const int n = 1024;
        var a = new float[n * n]; var b = new float[n * n]; var c = new float[n * n];
        var rng = new Random(1);
        for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.NextDouble(); b[i] = (float)rng.NextDouble(); }
        var p = GemmProviders.Current;
        double best = double.MaxValue;
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
            for (int r = 0; r < 6; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                p.Sgemm(false, false, n, n, n, 1f, pa, n, pb, n, 0f, pc, n);
                best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
        double gflops = 2.0 * n * n * n / best / 1e9;
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["profile"] = "gemm_peak", ["provider"] = p.Name, ["m_n_k"] = n, ["gflops"] = Math.Round(gflops, 1),
        }));
        return gflops;
    }

    public static void Merge(Dictionary<(bool, string), OpProfile.Entry> into, IReadOnlyDictionary<(bool Backward, string Op), OpProfile.Entry> from)
    {
        foreach (var (k, e) in from)
        {
            if (!into.TryGetValue(k, out var t)) into[k] = t = new OpProfile.Entry();
            t.Ticks += e.Ticks; t.GemmTicks += e.GemmTicks; t.CopyTicks += e.CopyTicks; t.Calls += e.Calls; t.GemmFlops += e.GemmFlops;
        }
    }

    /// <summary>The kind an op's own (non-GEMM, non-copy) time belongs to.</summary>
    private static string Kind(string op) => op switch
    {
        "ScaledDotProductAttention" => "attention softmax/mask/dropout",
        "LayerNorm" => "layer norm",
        "Dropout" => "dropout",
        "Embedding" => "embedding",
        "CrossEntropy" or "LogSoftmax" => "log-softmax/loss",
        "Linear" or "MatMul" => "linear bias/other",
        "Contiguous" or "Transpose" or "Reshape" or "Permute" or "Narrow" or "Concat" or "Unsqueeze" or "Squeeze" or "Expand" => "copies/views",
        "Add" or "Sub" or "Mul" or "Div" or "MulScalar" or "AddScalar" or "Relu" or "Gelu" or "Neg" or "MaskedFill" => "elementwise",
        "(release)" or "(graph order)" or "(release unsaved)" => "allocation/pool/autograd",
        _ => "other: " + op,
    };

    public static void Print(string arm, int steps, int tokens, Dictionary<(bool Backward, string Op), OpProfile.Entry> ops, double peak,
                             double total, double batch, double forward, double backward, double norm, double adam, double zero, double dispose)
    {
        double f = Stopwatch.Frequency;
        double MsS(double seconds) => Math.Round(1000 * seconds / steps, 1);
        var kinds = new Dictionary<string, double>();
        void AddKind(string k, double ms) => kinds[k] = kinds.GetValueOrDefault(k) + ms;
        long gemmTicks = 0; double flops = 0;
        foreach (var (k, e) in ops)
        {
            string phase = k.Backward ? "bwd " : "fwd ";
            AddKind(phase + "GEMM", 1000 * e.GemmTicks / f / steps);
            AddKind(phase + "copies in matmul (head split/merge)", 1000 * e.CopyTicks / f / steps);
            AddKind(phase + Kind(k.Op), 1000 * (e.Ticks - e.GemmTicks - e.CopyTicks) / f / steps);
            gemmTicks += e.GemmTicks; flops += e.GemmFlops;
        }
        AddKind("opt gradient norm", 1000 * norm / steps);
        AddKind("opt Adam", 1000 * adam / steps);
        AddKind("opt zero grad", 1000 * zero / steps);
        AddKind("scope dispose", 1000 * dispose / steps);
        AddKind("batch creation", 1000 * batch / steps);
        double gemmS = gemmTicks / f;
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["profile"] = "ops", ["arm"] = arm, ["steps"] = steps, ["ms_step"] = MsS(total),
            ["ms_forward"] = MsS(forward), ["ms_backward"] = MsS(backward),
            ["tgt_tokens_per_s"] = Math.Round(tokens / total, 1),
            ["gemm_ms_step"] = MsS(gemmS), ["gemm_share_of_step"] = Math.Round(gemmS / total, 3),
            ["gemm_gflops"] = Math.Round(flops / Math.Max(gemmS, 1e-12) / 1e9, 1), ["gemm_peak_gflops"] = Math.Round(peak, 1),
            ["gemm_gflop_step"] = Math.Round(flops / steps / 1e9, 2),
            ["step_at_peak_gemm_ms"] = Math.Round(1000 * flops / steps / (peak * 1e9), 1),
            ["kinds_ms_step"] = kinds.OrderByDescending(kv => kv.Value).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 1)),
        }));
        PrintOps(Console.Out, arm, steps, ops);
    }

    /// <summary>One JSON line per op (<c>"profile":"op"</c>), largest first: ms per step in all, in GEMMs, in copies and
    /// its own, calls per step and the GEMMs' GFLOP/s; at most <paramref name="limit"/> lines.</summary>
    public static void PrintOps(TextWriter to, string arm, int steps, IReadOnlyDictionary<(bool Backward, string Op), OpProfile.Entry> ops, int limit = 40)
    {
        double f = Stopwatch.Frequency;
        double Ms(double ticks) => Math.Round(1000 * ticks / f / steps, 1);
        foreach (var kv in ops.OrderByDescending(kv => kv.Value.Ticks).Take(limit))
            to.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["profile"] = "op", ["arm"] = arm,
                ["op"] = (kv.Key.Backward ? "bwd " : "fwd ") + kv.Key.Op,
                ["ms_step"] = Ms(kv.Value.Ticks),
                ["gemm_ms"] = Ms(kv.Value.GemmTicks),
                ["copy_ms"] = Ms(kv.Value.CopyTicks),
                ["own_ms"] = Ms(kv.Value.Ticks - kv.Value.GemmTicks - kv.Value.CopyTicks),
                ["calls_step"] = Math.Round((double)kv.Value.Calls / steps, 1),
                ["gemm_gflops"] = kv.Value.GemmTicks > 0 ? Math.Round(kv.Value.GemmFlops / (kv.Value.GemmTicks / f) / 1e9, 1) : 0,
            }));
    }
}
