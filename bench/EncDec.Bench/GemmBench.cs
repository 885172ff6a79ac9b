using System.Diagnostics;
using System.Globalization;
using EncDec.Tensors.Gemm;

namespace EncDec.Bench;

/// <summary>
/// GEMM throughput: the managed kernel vs the OpenBLAS provider vs a raw <c>cblas_sgemm</c> call, on the
/// shapes the models use. Prints one JSON line per (shape, provider). Options: <c>--quick</c> (subset, fewer reps),
/// <c>--provider managed|packed|openblas</c> (<c>managed-packed</c>: B packed once, outside the timing) (only that one), <c>--threads N</c> (managed thread cap), <c>--shape MxKxN[:TT[:BATCH]]</c> (one shape).
/// </summary>
internal static unsafe class GemmBench
{
    private readonly record struct Shape(int M, int K, int N, string Trans, int Batch = 1);

    public static void Run(string[] args)
    {
        bool quick = BenchArgs.Flag(args, "--quick");
        // --cputime: time by process CPU time instead of wall clock (only meaningful single-threaded, e.g.
        // with --threads 1 and OPENBLAS_NUM_THREADS=1; robust against other load on the machine).
        bool cpuTime = BenchArgs.Flag(args, "--cputime");
        using var proc = Process.GetCurrentProcess();
        string? only = BenchArgs.String(args, "--provider");
        if (BenchArgs.String(args, "--threads") is not null) ManagedGemm.Instance.MaxThreads = BenchArgs.Int(args, "--threads", 0);

        Shape[] shapes = quick
            ?
            [
                new(512, 512, 512, "NN"), new(1024, 1024, 1024, "NN"),
                new(2048, 256, 1024, "NN"), new(1024, 2048, 256, "TN"),
            ]
            :
            [
                new(512, 512, 512, "NN"), new(1024, 1024, 1024, "NN"), new(2048, 2048, 2048, "NN"),
                new(2048, 256, 256, "NN"), new(2048, 256, 1024, "NN"), new(2048, 1024, 256, "NN"), new(2048, 256, 8000, "NN"),
                new(256, 2048, 256, "TN"), new(1024, 2048, 256, "TN"), new(8000, 2048, 256, "TN"),
                // attention scores Q·Kᵀ per (batch*head): T=20, d=64
                new(20, 64, 20, "NT", 256),
            ];

        if (BenchArgs.String(args, "--shape") is { } spec)
        {
            // --shape MxKxN[:TT[:BATCH]], e.g. 512x512x512, 1024x2048x256:TN or 20x64x20:NT:256
            string[] parts = spec.Split(':');
            int[] d = parts[0].Split('x').Select(x => int.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : 0).ToArray();
            int batch = parts.Length > 2 && int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int bt) ? bt : parts.Length > 2 ? 0 : 1;
            string tt = parts.Length > 1 ? parts[1].ToUpperInvariant() : "NN";
            if (d.Length != 3 || d.Contains(0) || batch <= 0 || tt is not ("NN" or "NT" or "TN" or "TT") || parts.Length > 3)
                throw new UserInputException($"--shape: '{spec}' is not MxKxN[:NN|NT|TN|TT[:BATCH]] with positive sizes");
            shapes = [new(d[0], d[1], d[2], tt, batch)];
        }

        OpenBlasGemm? blas = OpenBlasGemm.Instance;
        if (blas == null) Console.Error.WriteLine("# " + OpenBlasGemm.LoadError);
        else Console.Error.WriteLine($"# openblas: {blas.LibraryPath}, core={blas.CoreName}, threads={blas.Threads}");
        Console.Error.WriteLine($"# managed: kernel={ManagedGemm.Instance.KernelKind}, threads={ManagedGemm.Instance.MaxThreads}");

        foreach (var s in shapes)
        {
            bool tA = s.Trans[0] == 'T', tB = s.Trans[1] == 'T';
            int m = s.M, k = s.K, n = s.N;
            int batch = s.Batch;
            long sa = (long)m * k, sb = (long)k * n, sc = (long)m * n;
            float[] a = Fill((int)(sa * batch), 1), b = Fill((int)(sb * batch), 2), c = new float[sc * batch];
            int lda = tA ? m : k, ldb = tB ? k : n, ldc = n;
            double flops = 2.0 * m * n * k * batch;
            fixed (float* pa = a, pb = b, pc = c)
            {
                float* A = pa, B = pb, C = pc;
                var runs = new List<(string, Action)>();
                IGemmProvider managed = ManagedGemm.Instance;
                if (only is null or "managed")
                    runs.Add(("managed", batch == 1
                        ? () => managed.Sgemm(tA, tB, m, n, k, 1f, A, lda, B, ldb, 0f, C, ldc)
                        : () => managed.SgemmBatched(tA, tB, m, n, k, 1f, A, lda, sa, B, ldb, sb, 0f, C, ldc, sc, batch)));
                if (batch == 1 && only is null or "managed" or "packed")
                {
                    // B packed once (a decoding step's constant weight), then only the product per call
                    var packed = ManagedGemm.Instance.PackB(tB, k, n, B, ldb);
                    runs.Add(("managed-packed", () => ManagedGemm.Instance.SgemmPacked(tA, m, 1f, A, lda, packed, 0f, C, ldc)));
                }
                if (blas != null && only is null or "openblas")
                {
                    IGemmProvider bp = blas;
                    runs.Add(("openblas", batch == 1
                        ? () => bp.Sgemm(tA, tB, m, n, k, 1f, A, lda, B, ldb, 0f, C, ldc)
                        : () => bp.SgemmBatched(tA, tB, m, n, k, 1f, A, lda, sa, B, ldb, sb, 0f, C, ldc, sc, batch)));
                    var raw = blas.RawSgemm;
                    runs.Add(("openblas-direct", () =>
                    {
                        for (int i = 0; i < batch; i++)
                            raw(101, tA ? 112 : 111, tB ? 112 : 111, m, n, k, 1f, A + i * sa, lda, B + i * sb, ldb, 0f, C + i * sc, ldc);
                    }));
                }
                // Interleave the providers round by round so that load from other processes hits them alike.
                int reps = quick ? 5 : 9;
                var inner = new int[runs.Count];
                var times = new double[runs.Count][];
                for (int i = 0; i < runs.Count; i++)
                {
                    runs[i].Item2(); // warm-up (JIT, buffers, OpenBLAS threads)
                    var sw = Stopwatch.StartNew();
                    runs[i].Item2();
                    inner[i] = Math.Max(1, (int)(0.02 / Math.Max(sw.Elapsed.TotalSeconds, 1e-6)));
                    times[i] = new double[reps];
                }
                for (int r = 0; r < reps; r++)
                    for (int i = 0; i < runs.Count; i++)
                    {
                        if (runs[i].Item1 == "managed" && runs.Count > 1) SettleOpenBlas();
                        var sw = Stopwatch.StartNew();
                        var cpu0 = proc.TotalProcessorTime;
                        for (int j = 0; j < inner[i]; j++) runs[i].Item2();
                        double wall = sw.Elapsed.TotalSeconds;
                        if (cpuTime) { proc.Refresh(); wall = (proc.TotalProcessorTime - cpu0).TotalSeconds; }
                        times[i][r] = wall / inner[i];
                    }
                for (int i = 0; i < runs.Count; i++)
                {
                    Array.Sort(times[i]);
                    double sec = times[i][reps / 2];
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{{\"bench\":\"gemm\",\"provider\":\"{runs[i].Item1}\",\"m\":{m},\"k\":{k},\"n\":{n},\"trans\":\"{s.Trans}\",{(batch > 1 ? $"\"batch\":{batch}," : "")}\"gflops\":{flops / sec / 1e9:F1}}}"));
                }
            }
        }
    }

    /// <summary>OpenBLAS worker threads keep spinning (about 2^28 cycles by default) after a call; let them
    /// go to sleep so they do not steal a core from the next managed measurement.</summary>
    private static void SettleOpenBlas() => Thread.Sleep(200);

    private static float[] Fill(int len, int seed)
    {
        var rng = new Random(seed);
        var x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
