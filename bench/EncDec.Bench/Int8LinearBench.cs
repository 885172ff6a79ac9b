using System.Diagnostics;
using System.Globalization;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Bench;

/// <summary>
/// One decoding-sized Linear at a time (rows 32 = greedy batch, 128 = beam 4 × 32; the Transformer's 256→256, 256→1024,
/// 1024→256 and the 256→8,000 output projection): float32 packed for decoding (<see cref="PackedLinear"/>) against the int8
/// layer (<see cref="Int8Weight"/>: quantise the activations, int8 product, dequantise), and the int8 product alone
/// unpacked (<c>Int8Gemm.Multiply</c>) and packed (<c>Int8Gemm.MultiplyPacked</c>). Prints CPU µs per call, one JSON line per shape.
/// </summary>
public static class Int8LinearBench
{
    public static void Run(string[] args)
    {
        foreach (int m in new[] { 32, 128 })
            foreach (var (n, k) in new[] { (256, 256), (1024, 256), (256, 1024), (8000, 256) })
            {
                var lin = new Linear(k, n, rng: new Rng(1));
                var x = Tensor.Randn(new Rng(2), m, k);
                var packed = PackedLinear.Pack(lin.Weight, lin.Bias);
                var q = Int8Weight.Quantize(lin.Weight);
                var qa = new sbyte[m * k]; var c = new int[m * n];
                for (int i = 0; i < m; i++) Int8Weight.QuantizeRow(x.Span.Slice(i * k, k), qa.AsSpan(i * k, k));
                var pb = Int8PackedMatrix.Pack(q.Data, n, k);
                double fl, i8, gu, gp = double.NaN;
                using (GradMode.NoGrad())
                {
                    fl = Time(() => packed!.Forward(x));
                    i8 = Time(() => q.Forward(x, lin.Bias));
                }
                gu = Time(() => Int8Gemm.Multiply(qa, q.Data, c, m, n, k));
                if (Int8Gemm.BestPacked is { } path) gp = Time(() => Int8Gemm.MultiplyPacked(qa, pb, c, m, path));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"bench\":\"int8-linear\",\"m\":{m},\"n\":{n},\"k\":{k},\"float32_us\":{fl:F1},\"int8_linear_us\":{i8:F1},\"int8_gemm_unpacked_us\":{gu:F1},\"int8_gemm_packed_us\":{gp:F1}}}"));
            }
    }

    /// <summary>Median process CPU µs per call over 3 rounds of at least 0.15 s CPU each, after a warm-up (CPU time,
    /// not wall: run it with ENCDEC_THREADS=1 so that it measures the work on a shared machine).</summary>
    private static double Time(Action f)
    {
        for (int i = 0; i < 30; i++) f();
        var proc = Process.GetCurrentProcess();
        var t = new double[3];
        for (int r = 0; r < t.Length; r++)
        {
            proc.Refresh();
            var cpu0 = proc.TotalProcessorTime;
            int reps = 0;
            double cpu;
            do
            {
                for (int i = 0; i < 10; i++) f();
                reps += 10;
                proc.Refresh();
                cpu = (proc.TotalProcessorTime - cpu0).TotalSeconds;
            }
            while (cpu < 0.15);
            t[r] = cpu * 1e6 / reps;
        }
        Array.Sort(t);
        return t[t.Length / 2];
    }
}
