using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EncDec.Tensors.Gemm;

/// <summary>Which register-blocked micro-kernel the managed GEMM uses.</summary>
internal enum ManagedKernel
{
    /// <summary>Portable scalar kernel (4 x 8 tile).</summary>
    Scalar,
    /// <summary>AVX2 + FMA kernel with <see cref="Vector256{T}"/> (6 x 16 tile).</summary>
    Avx2,
    /// <summary>AVX-512F kernel with <see cref="Vector512{T}"/> (12 x 32 tile).</summary>
    Avx512,
}

/// <summary>
/// Cache-blocked single-precision GEMM in managed code (Goto/BLIS scheme): panels of op(A) and op(B) are
/// packed into aligned thread-local buffers (packing absorbs transposition) and a register-blocked SIMD
/// micro-kernel (AVX-512, AVX2+FMA or scalar) computes MR x NR tiles of C. Large products are split over
/// the cores with <see cref="Parallel.For(int, int, Action{int})"/>; small ones run on the calling thread.
/// </summary>
public sealed unsafe class ManagedGemm : IGemmProvider
{
    /// <summary>The instance using the best kernel this CPU supports.</summary>
    public static readonly ManagedGemm Instance = new(BestKernel());

    // Products below this many flops run on the calling thread.
    private const double ParallelFlops = 2e6;
    private const int KC = 256;
    private const long WholeKFloats = 4L << 20;

    private readonly ManagedKernel _kernel;
    private readonly int _mr, _nr, _mc, _nc;

    internal ManagedGemm(ManagedKernel kernel)
    {
        if (kernel == ManagedKernel.Avx512 && !Avx512F.IsSupported) throw new PlatformNotSupportedException("AVX-512F is not supported.");
        if (kernel == ManagedKernel.Avx2 && !(Avx2.IsSupported && Fma.IsSupported)) throw new PlatformNotSupportedException("AVX2/FMA is not supported.");
        _kernel = kernel;
        (_mr, _nr) = kernel switch
        {
            ManagedKernel.Avx512 => (12, 32),
            ManagedKernel.Avx2 => (6, 16),
            _ => (4, 8),
        };
        _mc = _mr * (kernel == ManagedKernel.Avx512 ? 16 : 32); // 192 rows for AVX-512
        _nc = 4096;
        MaxThreads = int.TryParse(Environment.GetEnvironmentVariable("ENCDEC_THREADS"), out int t) && t > 0 ? t : Environment.ProcessorCount;
    }

    internal static ManagedKernel BestKernel() =>
        Avx512F.IsSupported ? ManagedKernel.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? ManagedKernel.Avx2
        : ManagedKernel.Scalar;

    internal ManagedKernel KernelKind => _kernel;

    /// <summary>Upper bound on worker threads used for one product (defaults to <c>ENCDEC_THREADS</c>, else the processor count).</summary>
    public int MaxThreads { get; set; }

    public GemmProviderKind Kind => GemmProviderKind.Managed;
    public string Name => "managed";

    public void Sgemm(bool transA, bool transB, int m, int n, int k,
                      float alpha, float* a, int lda, float* b, int ldb,
                      float beta, float* c, int ldc)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        double flops = 2.0 * m * n * k;
        int threads = flops >= ParallelFlops ? Math.Max(1, MaxThreads) : 1;
        if (threads == 1)
        {
            Blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }

        if (m >= n && m >= 2 * _mr)
        {
            // Tall: one shared packed B panel (packed cooperatively), rows of C split over the threads.
            BlockedSharedB(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }

        // Wide: split N into tile-aligned chunks; each chunk is an independent blocked GEMM (A is small, so
        // packing it once per chunk is cheap).
        int units = (n + _nr - 1) / _nr;
        // Two chunks per thread when they stay wide, so a core slowed by other load takes fewer.
        int chunks = Math.Min(units, n >= threads * 2 * 512 ? threads * 2 : threads);
        if (chunks <= 1)
        {
            Blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int s = (int)((long)units * t / chunks) * _nr;
            int e = Math.Min(n, (int)((long)units * (t + 1) / chunks) * _nr);
            float* bb = transB ? b + (long)s * ldb : b + s;
            Blocked(transA, transB, m, e - s, k, alpha, a, lda, bb, ldb, beta, c + s, ldc);
        });
    }

    public void SgemmBatched(bool transA, bool transB, int m, int n, int k,
                             float alpha, float* a, int lda, long strideA, float* b, int ldb, long strideB,
                             float beta, float* c, int ldc, long strideC, int batch)
    {
        if (batch <= 0) return;
        double flops = 2.0 * m * n * k;
        int threads = Math.Max(1, MaxThreads);
        if (batch == 1 || threads == 1 || flops >= ParallelFlops || flops * batch < ParallelFlops / 4)
        {
            for (int i = 0; i < batch; i++)
                Sgemm(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * strideC, ldc);
            return;
        }
        // Small matrices: parallelise over the batch, each worker runs whole products serially.
        int chunks = Math.Min(batch, threads * 4);
        int per = (batch + chunks - 1) / chunks;
        chunks = (batch + per - 1) / per;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int end = Math.Min(batch, (t + 1) * per);
            for (int i = t * per; i < end; i++)
            {
                float* ci = c + i * strideC;
                if (m <= 0 || n <= 0) continue;
                if (k <= 0 || alpha == 0f) { ScaleC(m, n, beta, ci, ldc); continue; }
                Blocked(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, ci, ldc);
            }
        });
    }

    // ---------------------------------------------------------------- pre-packed B

    /// <summary>
    /// Packs op(B) (k, n) once (stored B is (n, k) with row stride <paramref name="ldb"/> when <paramref name="transB"/>,
    /// else (k, n)) for <see cref="SgemmPacked"/>: every K block of <c>KC</c> rows holds all N columns in panels of the
    /// kernel's width, the layout the blocked driver packs per call. The buffer comes from <see cref="Tensor.Empty"/>.
    /// </summary>
    public PackedGemmB PackB(bool transB, int k, int n, float* b, int ldb)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        int nr = _nr;
        long ncR = RoundUp(n, nr);
        var buffer = Tensor.Empty(checked((int)(ncR * k + 16)));             // (16 + K·roundup(N, nr)) floats
        fixed (float* p0 = buffer.Storage.Array)
        {
            float* start = p0 + buffer.Offset;
            int offset = buffer.Offset + (int)((64 - ((nint)start & 63)) & 63) / sizeof(float);
            float* pb = p0 + offset;
            for (int pc = 0; pc < k; pc += KC)
                PackB(transB, b, ldb, pc, 0, Math.Min(KC, k - pc), n, nr, pb + pc * ncR);
            return new PackedGemmB(buffer, offset, k, n, nr, this);
        }
    }

    /// <summary>
    /// <c>C = alpha * op(A) * B + beta * C</c> with B packed by <c>PackB</c> (op(A) is (m, B.K), C (m, B.N)):
    /// the same tiles, K blocks and kernel as <see cref="Sgemm"/>, without packing B. Wide products split B's panels
    /// over the cores (each worker packs its own copy of the small A), tall ones split the rows.
    /// </summary>
    public void SgemmPacked(bool transA, int m, float alpha, float* a, int lda, PackedGemmB b, float beta, float* c, int ldc)
    {
        ArgumentNullException.ThrowIfNull(b);
        if (!ReferenceEquals(b.Owner, this)) throw new ArgumentException("the matrix was packed for another kernel", nameof(b));
        int n = b.N, k = b.K;
        if (m <= 0) return;
        if (alpha == 0f) { ScaleC(m, n, beta, c, ldc); return; }
        int nr = _nr, mr = _mr;
        long ncR = RoundUp(n, nr);
        double flops = 2.0 * m * n * k;
        int threads = flops >= ParallelFlops ? Math.Max(1, MaxThreads) : 1;
        fixed (float* p0 = b.Buffer.Storage.Array)
        {
            float* pb = p0 + b.Offset;
            if (threads == 1)
            {
                for (int pc = 0; pc < k; pc += KC)
                    MacroRows(transA, a, lda, 0, m, pc, Math.Min(KC, k - pc), 0, n, pb + pc * ncR, alpha, pc == 0 ? beta : 1f, c, ldc);
                return;
            }
            var opts = new ParallelOptions { MaxDegreeOfParallelism = threads };
            if (m >= n && m >= 2 * mr)
            {
                // tall: tile-aligned row chunks, handed out dynamically
                int rowUnits = (m + mr - 1) / mr;
                int rowChunks = Math.Clamp(rowUnits / 4, Math.Min(threads, rowUnits), threads * 4);
                float* pbt = pb;
                Parallel.For(0, rowChunks, opts, t =>
                {
                    int r0 = (int)((long)rowUnits * t / rowChunks) * mr, r1 = Math.Min(m, (int)((long)rowUnits * (t + 1) / rowChunks) * mr);
                    for (int pc = 0; pc < k; pc += KC)
                        MacroRows(transA, a, lda, r0, r1, pc, Math.Min(KC, k - pc), 0, n, pbt + pc * ncR, alpha, pc == 0 ? beta : 1f, c, ldc);
                });
                return;
            }
            // wide: chunks of whole panels (two per thread when they stay wide, so a core slowed by other load takes fewer)
            int units = (n + nr - 1) / nr;
            int chunks = Math.Min(units, n >= threads * 2 * 512 ? threads * 2 : threads);
            float* pbw = pb;
            Parallel.For(0, chunks, opts, t =>
            {
                int s = (int)((long)units * t / chunks) * nr;
                int e = Math.Min(n, (int)((long)units * (t + 1) / chunks) * nr);
                if (e <= s) return;
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    MacroRows(transA, a, lda, 0, m, pc, kc, s, e - s, pbw + pc * ncR + (long)s * kc, alpha, pc == 0 ? beta : 1f, c, ldc);
                }
            });
        }
    }

    private static void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f)
                for (int j = 0; j < n; j++) row[j] *= beta;
        }
    }

    // ---------------------------------------------------------------- workspace

    private sealed class Workspace
    {
        private float[]? _a, _b;
        public float* A, B;

        public float* EnsureA(long need)
        {
            if (_a == null || _a.Length < need + 16) A = Alloc(ref _a, need);
            return A;
        }

        public float* EnsureB(long need)
        {
            if (_b == null || _b.Length < need + 16) B = Alloc(ref _b, need);
            return B;
        }

        private static float* Alloc(ref float[]? arr, long need)
        {
            arr = GC.AllocateUninitializedArray<float>(checked((int)(need + 16)), pinned: true);
            // Pinned-object-heap arrays never move: align the base to 64 bytes.
            nint p = (nint)Unsafe.AsPointer(ref arr[0]);
            return (float*)((p + 63) & ~(nint)63);
        }
    }

    [ThreadStatic] private static Workspace? t_ws;

    // ---------------------------------------------------------------- blocked driver

    /// <summary>Single-threaded blocked GEMM (k &gt; 0, m, n &gt; 0).</summary>
    private void Blocked(bool transA, bool transB, int m, int n, int k,
                         float alpha, float* a, long lda, float* b, long ldb,
                         float beta, float* c, long ldc)
    {
        if (_kernel == ManagedKernel.Avx512 && (long)m * n * k <= SmallFlopsCube && (long)k * RoundUp(n, 32) <= 1 << 16)
        {
            Small512(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        int nr = _nr;
        var ws = t_ws ??= new Workspace();
        float* pb = ws.EnsureB((long)Math.Min(_nc, RoundUp(n, nr)) * Math.Min(KC, k));
        for (int jc = 0; jc < n; jc += _nc)
        {
            int nc = Math.Min(_nc, n - jc);
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                PackB(transB, b, ldb, pc, jc, kc, nc, nr, pb);
                MacroRows(transA, a, lda, 0, m, pc, kc, jc, nc, pb, alpha, pc == 0 ? beta : 1f, c, ldc);
            }
        }
    }

    /// <summary>Multi-threaded blocked GEMM for tall products: per (jc, pc) block the threads pack
    /// disjoint panels of one shared B buffer, then each computes its own tile-aligned range of rows.</summary>
    private void BlockedSharedB(int threads, bool transA, bool transB, int m, int n, int k,
                                float alpha, float* a, long lda, float* b, long ldb,
                                float beta, float* c, long ldc)
    {
        int nr = _nr, mr = _mr;
        var ws = t_ws ??= new Workspace();
        int ncMaxR = RoundUp(Math.Min(_nc, n), nr);
        // When op(B)'s whole column block fits (<= 16 MB) pack all of K at once: two dispatches per jc block
        // instead of two per (jc, pc), and each row chunk keeps its C rows cache-hot across the K blocks.
        bool wholeK = (long)ncMaxR * k <= WholeKFloats;
        float* pb = ws.EnsureB(wholeK ? (long)ncMaxR * k : (long)ncMaxR * Math.Min(KC, k));
        int rowUnits = (m + mr - 1) / mr;
        threads = Math.Min(threads, rowUnits);
        int rowChunks = Math.Clamp(rowUnits / 4, threads, threads * 4);
        var opts = new ParallelOptions { MaxDegreeOfParallelism = threads };
        for (int jc = 0; jc < n; jc += _nc)
        {
            int nc = Math.Min(_nc, n - jc);
            int panels = (nc + nr - 1) / nr;
            if (wholeK)
            {
                int jcc = jc;
                long ncR = RoundUp(nc, nr);
                int packers = (long)k * nc >= 64 * 1024 ? Math.Min(threads, panels) : 1;
                Parallel.For(0, packers, opts, t =>
                {
                    int p0 = (int)((long)panels * t / packers) * nr, p1 = Math.Min(nc, (int)((long)panels * (t + 1) / packers) * nr);
                    for (int pc = 0; pc < k; pc += KC)
                    {
                        int kc = Math.Min(KC, k - pc);
                        PackB(transB, b, ldb, pc, jcc + p0, kc, p1 - p0, nr, pb + pc * ncR + (long)p0 * kc);
                    }
                });
                Parallel.For(0, rowChunks, opts, t =>
                {
                    int r0 = (int)((long)rowUnits * t / rowChunks) * mr, r1 = Math.Min(m, (int)((long)rowUnits * (t + 1) / rowChunks) * mr);
                    for (int pc = 0; pc < k; pc += KC)
                        MacroRows(transA, a, lda, r0, r1, pc, Math.Min(KC, k - pc), jcc, nc, pb + pc * ncR, alpha, pc == 0 ? beta : 1f, c, ldc);
                });
                continue;
            }
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                float betaEff = pc == 0 ? beta : 1f;
                int jcc = jc, pcc = pc;
                int packers = Math.Min(threads, panels);
                if (packers > 1 && (long)kc * nc >= 64 * 1024)
                    Parallel.For(0, packers, opts, t =>
                    {
                        int p0 = (int)((long)panels * t / packers) * nr, p1 = Math.Min(nc, (int)((long)panels * (t + 1) / packers) * nr);
                        PackB(transB, b, ldb, pcc, jcc + p0, kc, p1 - p0, nr, pb + (long)p0 * kc);
                    });
                else
                    PackB(transB, b, ldb, pc, jc, kc, nc, nr, pb);
                // Several row chunks per thread, handed out dynamically: a core slowed by other load just takes fewer.
                Parallel.For(0, rowChunks, opts, t =>
                {
                    int r0 = (int)((long)rowUnits * t / rowChunks) * mr, r1 = Math.Min(m, (int)((long)rowUnits * (t + 1) / rowChunks) * mr);
                    MacroRows(transA, a, lda, r0, r1, pcc, kc, jcc, nc, pb, alpha, betaEff, c, ldc);
                });
            }
        }
    }

    /// <summary>Rows [rowStart, rowEnd) of the C block (jc.., nc wide) against the packed B block:
    /// packs A in mc x kc blocks into this thread's buffer and runs the micro-kernel over all tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip tier-0 code on the first calls
    private void MacroRows(bool transA, float* a, long lda, int rowStart, int rowEnd, int pc, int kc, int jc, int nc,
                           float* pb, float alpha, float betaEff, float* c, long ldc)
    {
        int mr = _mr, nr = _nr;
        var ws = t_ws ??= new Workspace();
        float* pa = ws.EnsureA((long)Math.Min(_mc, RoundUp(rowEnd - rowStart, mr)) * kc);
        float* tmp = stackalloc float[12 * 32];
        for (int ic = rowStart; ic < rowEnd; ic += _mc)
        {
            int mc = Math.Min(_mc, rowEnd - ic);
            PackA(transA, a, lda, ic, pc, mc, kc, mr, pa);
            for (int jr = 0; jr < nc; jr += nr)
            {
                int nrr = Math.Min(nr, nc - jr);
                float* pbPanel = pb + (long)jr * kc;
                for (int ir = 0; ir < mc; ir += mr)
                {
                    int mrr = Math.Min(mr, mc - ir);
                    float* paPanel = pa + (long)ir * kc;
                    float* cTile = c + (ic + ir) * ldc + jc + jr;
                    if (mrr == mr && nrr == nr)
                    {
                        RunKernel(kc, paPanel, pbPanel, cTile, ldc, alpha, betaEff);
                    }
                    else
                    {
                        RunKernel(kc, paPanel, pbPanel, tmp, nr, alpha, 0f);
                        for (int i = 0; i < mrr; i++)
                        {
                            float* crow = cTile + i * ldc;
                            float* trow = tmp + i * nr;
                            if (betaEff == 0f)
                                for (int j = 0; j < nrr; j++) crow[j] = trow[j];
                            else
                                for (int j = 0; j < nrr; j++) crow[j] = trow[j] + betaEff * crow[j];
                        }
                    }
                }
            }
        }
    }

    // Products with m*n*k up to this use the unpacked small-matrix path (attention-sized matrices).
    private const long SmallFlopsCube = 64L * 64 * 64;

    /// <summary>Small products (e.g. per-head attention, T x T x d): no A packing and no MR padding. op(B) is
    /// copied once into a zero-padded k x roundup(n, 32) buffer; 4 x 32 tiles of C are computed with A values
    /// broadcast straight from memory (missing rows of an edge tile just repeat the last row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip tier-0 code on the first calls
    private static void Small512(bool transA, bool transB, int m, int n, int k,
                                 float alpha, float* a, long lda, float* b, long ldb,
                                 float beta, float* c, long ldc)
    {
        int w = RoundUp(n, 32);
        var ws = t_ws ??= new Workspace();
        float* pb = ws.EnsureB((long)k * w);
        if (transB)
            PackTransposed(b, ldb, n, k, w, pb);
        else
            for (int p = 0; p < k; p++)
            {
                float* d = pb + (long)p * w;
                CopyShort(b + p * ldb, d, n);
                for (int j = n; j < w; j++) d[j] = 0f;
            }

        long si = transA ? 1 : lda; // step between rows of op(A)
        long sp = transA ? lda : 1; // step along k
        float* tile = stackalloc float[4 * 32];
        Vector512<float> va = Vector512.Create(alpha);
        for (int j0 = 0; j0 < n; j0 += 32)
        {
            int cols = Math.Min(32, n - j0);
            for (int i0 = 0; i0 < m; i0 += 4)
            {
                int rows = Math.Min(4, m - i0);
                float* a0 = a + i0 * si;
                float* a1 = a0 + Math.Min(1, rows - 1) * si;
                float* a2 = a0 + Math.Min(2, rows - 1) * si;
                float* a3 = a0 + Math.Min(3, rows - 1) * si;
                float* bp = pb + j0;
                Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
                Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
                for (int p = 0; p < k; p++, bp += w)
                {
                    Vector512<float> b0 = Vector512.Load(bp), b1 = Vector512.Load(bp + 16);
                    long o = p * sp;
                    Vector512<float> x = Vector512.Create(a0[o]);
                    c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
                    x = Vector512.Create(a1[o]);
                    c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
                    x = Vector512.Create(a2[o]);
                    c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
                    x = Vector512.Create(a3[o]);
                    c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
                }
                float* ct = c + i0 * ldc + j0;
                if (cols == 32)
                {
                    Store512(ct, c00, va, beta); Store512(ct + 16, c01, va, beta);
                    if (rows > 1) { ct += ldc; Store512(ct, c10, va, beta); Store512(ct + 16, c11, va, beta); }
                    if (rows > 2) { ct += ldc; Store512(ct, c20, va, beta); Store512(ct + 16, c21, va, beta); }
                    if (rows > 3) { ct += ldc; Store512(ct, c30, va, beta); Store512(ct + 16, c31, va, beta); }
                }
                else
                {
                    Vector512.Store(c00 * va, tile); Vector512.Store(c01 * va, tile + 16);
                    Vector512.Store(c10 * va, tile + 32); Vector512.Store(c11 * va, tile + 48);
                    Vector512.Store(c20 * va, tile + 64); Vector512.Store(c21 * va, tile + 80);
                    Vector512.Store(c30 * va, tile + 96); Vector512.Store(c31 * va, tile + 112);
                    for (int r = 0; r < rows; r++)
                    {
                        float* crow = ct + r * ldc;
                        float* trow = tile + r * 32;
                        if (beta == 0f)
                            for (int j = 0; j < cols; j++) crow[j] = trow[j];
                        else
                            for (int j = 0; j < cols; j++) crow[j] = trow[j] + beta * crow[j];
                    }
                }
            }
        }
    }

    private static int RoundUp(int x, int r) => (x + r - 1) / r * r;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RunKernel(int kc, float* pa, float* pb, float* c, long ldc, float alpha, float beta)
    {
        switch (_kernel)
        {
            case ManagedKernel.Avx512: Kernel512(kc, pa, pb, c, ldc, alpha, beta); break;
            case ManagedKernel.Avx2: Kernel256(kc, pa, pb, c, ldc, alpha, beta); break;
            default: KernelScalar(kc, pa, pb, c, ldc, alpha, beta, _mr, _nr); break;
        }
    }

    // ---------------------------------------------------------------- packing

    /// <summary>Packs op(A)[ic..ic+mc, pc..pc+kc] into row panels of <paramref name="mr"/> rows:
    /// panel r holds, for each p, the mr values op(A)[r*mr + 0..mr, p] (zero padded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip tier-0 code on the first calls
    private static void PackA(bool transA, float* a, long lda, int ic, int pc, int mc, int kc, int mr, float* dst)
    {
        for (int r0 = 0; r0 < mc; r0 += mr)
        {
            int rows = Math.Min(mr, mc - r0);
            float* d = dst + (long)r0 * kc;
            if (transA)
            {
                // Stored A is (k, m): op(A)[i, p] = a[p*lda + i]; each p is a contiguous run of rows.
                PackRuns(a + (long)pc * lda + ic + r0, lda, kc, rows, mr, d);
            }
            else
            {
                // op(A)[i, p] = a[i*lda + p]: a transpose of the stored rows.
                PackTransposed(a + (long)(ic + r0) * lda + pc, lda, rows, kc, mr, d);
            }
        }
    }

    /// <summary>Packs op(B)[pc..pc+kc, jc..jc+nc] into column panels of <paramref name="nr"/> columns:
    /// panel j holds, for each p, the nr values op(B)[p, j*nr + 0..nr] (zero padded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip tier-0 code on the first calls
    private static void PackB(bool transB, float* b, long ldb, int pc, int jc, int kc, int nc, int nr, float* dst)
    {
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            float* d = dst + (long)j0 * kc;
            if (!transB)
            {
                PackRuns(b + (long)pc * ldb + jc + j0, ldb, kc, cols, nr, d);
            }
            else
            {
                // Stored B is (n, k): op(B)[p, j] = b[j*ldb + p]: a transpose of the stored rows.
                PackTransposed(b + (long)(jc + j0) * ldb + pc, ldb, cols, kc, nr, d);
            }
        }
    }

    /// <summary>dst[p*w + r] = src[p*ld + r] for r &lt; count, p &lt; kc (kc contiguous runs of <paramref name="count"/>
    /// values); columns count..w of dst are zeroed. Packs transposed A and untransposed B panels alike.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip tier-0 code on the first calls
    private static void PackRuns(float* src, long ld, int kc, int count, int w, float* dst)
    {
        if (count == w)
        {
            for (int p = 0; p < kc; p++, src += ld, dst += w)
                CopyShort(src, dst, w);
            return;
        }
        for (int p = 0; p < kc; p++, src += ld, dst += w)
        {
            int r = 0;
            for (; r < count; r++) dst[r] = src[r];
            for (; r < w; r++) dst[r] = 0f;
        }
    }

    /// <summary>dst[p*w + r] = src[r*ld + p] for r &lt; rows, p &lt; kc; columns rows..w of dst are zeroed.
    /// Uses 4 x 4 SSE transposes (4 loads, 8 shuffles, 4 stores per 16 values) where available.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip tier-0 code on the first calls
    private static void PackTransposed(float* src, long ld, int rows, int kc, int w, float* dst)
    {
        // Zero padding columns up front with contiguous (vector) clears instead of strided scalar stores.
        if (rows < w) new Span<float>(dst, checked(kc * w)).Clear();
        int r = 0;
        if (Sse.IsSupported)
        {
            for (; r + 4 <= rows; r += 4)
            {
                float* s0 = src + r * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
                float* d = dst + r;
                int p = 0;
                for (; p + 4 <= kc; p += 4)
                {
                    Vector128<float> v0 = Sse.LoadVector128(s0 + p), v1 = Sse.LoadVector128(s1 + p);
                    Vector128<float> v2 = Sse.LoadVector128(s2 + p), v3 = Sse.LoadVector128(s3 + p);
                    Vector128<float> t0 = Sse.UnpackLow(v0, v1), t1 = Sse.UnpackLow(v2, v3);
                    Vector128<float> t2 = Sse.UnpackHigh(v0, v1), t3 = Sse.UnpackHigh(v2, v3);
                    float* dp = d + (long)p * w;
                    Sse.Store(dp, Sse.MoveLowToHigh(t0, t1));
                    Sse.Store(dp + w, Sse.MoveHighToLow(t1, t0));
                    Sse.Store(dp + 2 * w, Sse.MoveLowToHigh(t2, t3));
                    Sse.Store(dp + 3 * w, Sse.MoveHighToLow(t3, t2));
                }
                for (; p < kc; p++)
                {
                    float* dp = d + (long)p * w;
                    dp[0] = s0[p]; dp[1] = s1[p]; dp[2] = s2[p]; dp[3] = s3[p];
                }
            }
        }
        for (; r < rows; r++)
        {
            float* s = src + r * ld;
            for (int p = 0; p < kc; p++) dst[(long)p * w + r] = s[p];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort(float* s, float* d, int count)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16) Vector512.Store(Vector512.Load(s + i), d + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(s + i), d + i);
        for (; i < count; i++) d[i] = s[i];
    }

    // ---------------------------------------------------------------- micro-kernels

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> x, Vector512<float> va, float beta)
    {
        if (beta == 0f) Vector512.Store(x * va, c);
        else if (beta == 1f) Vector512.Store(Avx512F.FusedMultiplyAdd(x, va, Vector512.Load(c)), c);
        else Vector512.Store(Avx512F.FusedMultiplyAdd(x, va, Vector512.Load(c) * Vector512.Create(beta)), c);
    }

    /// <summary>12 x 32 tile: 24 zmm accumulators, B row loaded as 2 vectors, A values broadcast.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512(int kc, float* pa, float* pb, float* c, long ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        // Pull the C tile (12 rows x 128 bytes) towards L1 while the k loop runs.
        for (int i = 0; i < 12; i++)
        {
            Sse.Prefetch0(c + i * ldc);
            Sse.Prefetch0(c + i * ldc + 16);
        }
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(pb);
            Vector512<float> b1 = Vector512.Load(pb + 16);
            Vector512<float> av;
            av = Vector512.Create(pa[0]); c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(pa[1]); c10 = Avx512F.FusedMultiplyAdd(av, b0, c10); c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(pa[2]); c20 = Avx512F.FusedMultiplyAdd(av, b0, c20); c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(pa[3]); c30 = Avx512F.FusedMultiplyAdd(av, b0, c30); c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(pa[4]); c40 = Avx512F.FusedMultiplyAdd(av, b0, c40); c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(pa[5]); c50 = Avx512F.FusedMultiplyAdd(av, b0, c50); c51 = Avx512F.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(pa[6]); c60 = Avx512F.FusedMultiplyAdd(av, b0, c60); c61 = Avx512F.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(pa[7]); c70 = Avx512F.FusedMultiplyAdd(av, b0, c70); c71 = Avx512F.FusedMultiplyAdd(av, b1, c71);
            av = Vector512.Create(pa[8]); c80 = Avx512F.FusedMultiplyAdd(av, b0, c80); c81 = Avx512F.FusedMultiplyAdd(av, b1, c81);
            av = Vector512.Create(pa[9]); c90 = Avx512F.FusedMultiplyAdd(av, b0, c90); c91 = Avx512F.FusedMultiplyAdd(av, b1, c91);
            av = Vector512.Create(pa[10]); ca0 = Avx512F.FusedMultiplyAdd(av, b0, ca0); ca1 = Avx512F.FusedMultiplyAdd(av, b1, ca1);
            av = Vector512.Create(pa[11]); cb0 = Avx512F.FusedMultiplyAdd(av, b0, cb0); cb1 = Avx512F.FusedMultiplyAdd(av, b1, cb1);
            pa += 12;
            pb += 32;
        }
        Vector512<float> va = Vector512.Create(alpha);
        Store512(c, c00, va, beta); Store512(c + 16, c01, va, beta); c += ldc;
        Store512(c, c10, va, beta); Store512(c + 16, c11, va, beta); c += ldc;
        Store512(c, c20, va, beta); Store512(c + 16, c21, va, beta); c += ldc;
        Store512(c, c30, va, beta); Store512(c + 16, c31, va, beta); c += ldc;
        Store512(c, c40, va, beta); Store512(c + 16, c41, va, beta); c += ldc;
        Store512(c, c50, va, beta); Store512(c + 16, c51, va, beta); c += ldc;
        Store512(c, c60, va, beta); Store512(c + 16, c61, va, beta); c += ldc;
        Store512(c, c70, va, beta); Store512(c + 16, c71, va, beta); c += ldc;
        Store512(c, c80, va, beta); Store512(c + 16, c81, va, beta); c += ldc;
        Store512(c, c90, va, beta); Store512(c + 16, c91, va, beta); c += ldc;
        Store512(c, ca0, va, beta); Store512(c + 16, ca1, va, beta); c += ldc;
        Store512(c, cb0, va, beta); Store512(c + 16, cb1, va, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* c, Vector256<float> x, Vector256<float> va, float beta)
    {
        if (beta == 0f) Vector256.Store(x * va, c);
        else if (beta == 1f) Vector256.Store(Fma.MultiplyAdd(x, va, Vector256.Load(c)), c);
        else Vector256.Store(Fma.MultiplyAdd(x, va, Vector256.Load(c) * Vector256.Create(beta)), c);
    }

    /// <summary>6 x 16 tile: 12 ymm accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256(int kc, float* pa, float* pb, float* c, long ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(pb);
            Vector256<float> b1 = Vector256.Load(pb + 8);
            Vector256<float> av;
            av = Vector256.Create(pa[0]); c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(pa[1]); c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(pa[2]); c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(pa[3]); c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(pa[4]); c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(pa[5]); c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            pa += 6;
            pb += 16;
        }
        Vector256<float> va = Vector256.Create(alpha);
        Store256(c, c00, va, beta); Store256(c + 8, c01, va, beta); c += ldc;
        Store256(c, c10, va, beta); Store256(c + 8, c11, va, beta); c += ldc;
        Store256(c, c20, va, beta); Store256(c + 8, c21, va, beta); c += ldc;
        Store256(c, c30, va, beta); Store256(c + 8, c31, va, beta); c += ldc;
        Store256(c, c40, va, beta); Store256(c + 8, c41, va, beta); c += ldc;
        Store256(c, c50, va, beta); Store256(c + 8, c51, va, beta);
    }

    /// <summary>Portable fallback: any mr x nr tile (at most 12 x 32) with scalar accumulation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip tier-0 code on the first calls
    private static void KernelScalar(int kc, float* pa, float* pb, float* c, long ldc, float alpha, float beta, int mr, int nr)
    {
        float* acc = stackalloc float[12 * 32];
        new Span<float>(acc, mr * nr).Clear();
        for (int p = 0; p < kc; p++, pa += mr, pb += nr)
            for (int i = 0; i < mr; i++)
            {
                float av = pa[i];
                float* row = acc + i * nr;
                for (int j = 0; j < nr; j++) row[j] += av * pb[j];
            }
        for (int i = 0; i < mr; i++)
        {
            float* crow = c + i * ldc;
            float* row = acc + i * nr;
            for (int j = 0; j < nr; j++)
                crow[j] = beta == 0f ? alpha * row[j] : alpha * row[j] + beta * crow[j];
        }
    }
}
