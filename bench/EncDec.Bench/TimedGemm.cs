using System.Diagnostics;
using System.Globalization;
using EncDec.Tensors.Gemm;

namespace EncDec.Bench;

/// <summary>
/// A GEMM provider that times every call of the one it wraps, per shape (m × k × n, transposes), for
/// <c>bench decode --gemm-profile</c>: how much of a decode the matrix products take, and which ones.
/// </summary>
internal sealed unsafe class TimedGemm(IGemmProvider inner) : IGemmProvider
{
    private readonly Dictionary<(int M, int K, int N, bool TA, bool TB), (long Ticks, long Calls)> _byShape = new();

    public GemmProviderKind Kind => inner.Kind;
    public string Name => inner.Name;

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        Add((m, k, n, transA, transB), Stopwatch.GetTimestamp() - t0, 1);
    }

    public void SgemmBatched(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, long strideA, float* b, int ldb, long strideB,
                             float beta, float* c, int ldc, long strideC, int batch)
    {
        long t0 = Stopwatch.GetTimestamp();
        inner.SgemmBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
        Add((m, k, n, transA, transB), Stopwatch.GetTimestamp() - t0, batch);
    }

    private void Add((int, int, int, bool, bool) key, long ticks, long calls)
    {
        lock (_byShape)
        {
            var (t, n) = _byShape.GetValueOrDefault(key);
            _byShape[key] = (t + ticks, n + calls);
        }
    }

    /// <summary>Total seconds in GEMM calls so far.</summary>
    public double Seconds { get { lock (_byShape) return _byShape.Values.Sum(v => v.Ticks) / (double)Stopwatch.Frequency; } }

    /// <summary>One line per shape, most time first, then forgets them.</summary>
    public IEnumerable<string> Report()
    {
        lock (_byShape)
        {
            var lines = _byShape.OrderByDescending(kv => kv.Value.Ticks).Select(kv =>
            {
                var (m, k, n, ta, tb) = kv.Key;
                double s = kv.Value.Ticks / (double)Stopwatch.Frequency;
                return string.Create(CultureInfo.InvariantCulture,
                    $"  gemm {m}x{k}x{n}:{(ta ? 'T' : 'N')}{(tb ? 'T' : 'N')} {kv.Value.Calls} calls {s:F3}s {2.0 * m * k * n * kv.Value.Calls / s / 1e9:F1} GFLOP/s");
            }).ToList();
            _byShape.Clear();
            return lines;
        }
    }
}
