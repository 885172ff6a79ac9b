using EncDec.Tensors.Gemm;

namespace EncDec.Tensors;

/// <summary>
/// The image-parallel Conv2d lowering: the batch is cut into fixed groups of images, the groups run on the cores side
/// by side, and inside a group everything is single-threaded (im2col, a serial GEMM per image and group, col2im).
/// The serial GEMM is OpenBLAS set to one thread for the call's duration when OpenBLAS is the provider (its kernels
/// and packing beat the managed ones), else the managed kernel on one thread.
/// On a few cores this beats splitting each GEMM over the threads: no hand-off per product, no BLAS threads spinning
/// while the .NET threads lower the next image, and each thread's column matrix stays in its own cache.
/// The weight gradient is summed per image group into its own buffer and the groups are added in a fixed order,
/// so the result does not depend on which thread ran which group.
/// </summary>
internal static unsafe class ConvPerImage
{
    /// <summary><c>ENCDEC_CONV=batched</c> turns this path off (the batched GEMMs of <c>F.Conv2d</c> then run).</summary>
    internal static bool Disabled = string.Equals(Environment.GetEnvironmentVariable("ENCDEC_CONV"), "batched", StringComparison.OrdinalIgnoreCase);

    /// <summary>Single-threaded managed GEMM each worker calls when OpenBLAS is not the provider.</summary>
    private static readonly ManagedGemm SerialManaged = new(ManagedGemm.BestKernel()) { MaxThreads = 1 };

    /// <summary><c>ENCDEC_CONV_GEMM=managed</c> keeps the managed serial GEMM even where OpenBLAS is the provider.</summary>
    internal static readonly bool ManagedOnly = string.Equals(Environment.GetEnvironmentVariable("ENCDEC_CONV_GEMM"), "managed", StringComparison.OrdinalIgnoreCase);

    /// <summary>Tests set this (on their own thread) to keep that thread's convolutions on the managed serial GEMM.</summary>
    [ThreadStatic] internal static bool ForcedManaged;

    /// <summary>
    /// The serial GEMM of one call: OpenBLAS switched to one thread (each worker's product then runs on that worker)
    /// when OpenBLAS is the current provider, else the managed kernel on one thread. <see cref="Release"/> undoes the switch.
    /// </summary>
    private static IGemmProvider AcquireSerial()
    {
        if (!ManagedOnly && !ForcedManaged && GemmProviders.Current is OpenBlasGemm blas && blas.CanRunSingleThreaded)
        {
            blas.EnterSingleThreaded();
            return blas;
        }
        return SerialManaged;
    }

    private static void Release(IGemmProvider serial) => (serial as OpenBlasGemm)?.ExitSingleThreaded();

    private static readonly int Workers = Math.Max(1, Par.Chunks(int.MaxValue, Par.MinWork));

    /// <summary>Whether a convolution of <paramref name="n"/> images with this per-image work takes this path.</summary>
    public static bool Applies(int n, double flopsPerImage) => Forced || (!Disabled && Workers > 1 && n >= 2 && flopsPerImage >= 2e6);

    /// <summary>Tests set this (on their own thread) to send every Conv2d of that thread down this path.</summary>
    [ThreadStatic] internal static bool Forced;

    /// <summary>Tests set this (on their own thread) to lower in bands of this many output rows (0: by size).</summary>
    [ThreadStatic] internal static int ForcedBand;

    /// <summary>Image groups: about two per worker (so a core slowed by other load takes fewer), fixed by n alone.</summary>
    private static int Groups(int n) => Math.Min(n, 2 * Workers);

    /// <summary>Column-matrix floats above which an image is lowered a band of output rows at a time (so it stays in L2).</summary>
    internal const int TileFloats = 1 << 18;

    /// <summary>Output rows per band: all of them when the whole column matrix is small, else as many as fit <see cref="TileFloats"/>.</summary>
    internal static int BandRows(in ConvGeometry g) =>
        ForcedBand > 0 ? Math.Min(ForcedBand, g.Ho) : (long)g.K * g.L <= 2L * TileFloats ? g.Ho : Math.Clamp(TileFloats / Math.Max(1, g.K * g.Wo), 1, g.Ho);

    private static (int Start, int End) Range(int n, int groups, int gi) => ((int)((long)n * gi / groups), (int)((long)n * (gi + 1) / groups));

    /// <summary>y (N, O, Ho, Wo) ← conv of x (N, C, H, W) with w (O, C/groups, kh, kw); <paramref name="geo"/> is one group's window.</summary>
    public static void Forward(float* x, float* w, float* y, int n, int c, int o, int groups, in ConvGeometry geo)
    {
        var g0 = geo;
        long xs = (long)x, ws = (long)w, ys = (long)y;
        int gcount = Groups(n), band = BandRows(g0);
        var serial = AcquireSerial();
        try
        {
            Parallel.For(0, gcount, new ParallelOptions { MaxDegreeOfParallelism = Workers }, gi =>
            {
                var (b0, b1) = Range(n, gcount, gi);
                int cg = g0.C, og = o / groups, k = g0.K, l = g0.L, hw = g0.H * g0.W, wo = g0.Wo;
                float[]? col = g0.IsPointwise ? null : TensorPool.Rent(k * band * wo);
                try
                {
                    fixed (float* pcol = col)
                        for (int b = b0; b < b1; b++)
                            for (int g = 0; g < groups; g++)
                            {
                                float* xg = (float*)xs + ((long)b * c + g * cg) * hw;
                                float* yg = (float*)ys + ((long)b * o + g * og) * l;
                                float* wg = (float*)ws + (long)g * og * k;
                                if (g0.IsPointwise) { serial.Sgemm(false, false, og, l, k, 1f, wg, k, xg, l, 0f, yg, l); continue; }   // (Og, C)·(C, L)
                                for (int oh0 = 0; oh0 < g0.Ho; oh0 += band)
                                {
                                    int oh1 = Math.Min(g0.Ho, oh0 + band), lt = (oh1 - oh0) * wo;
                                    ConvKernels.Im2ColRowsSerial(xg, g0, oh0, oh1, pcol);                               // (K, Lt)
                                    serial.Sgemm(false, false, og, lt, k, 1f, wg, k, pcol, lt, 0f, yg + oh0 * wo, l);    // (Og, K)·(K, Lt)
                                }
                            }
                }
                finally { if (col is not null) TensorPool.Return(col); }
            });
        }
        finally { Release(serial); }
    }

    /// <summary>
    /// The gradients of <see cref="Forward"/>: dw (O, C/groups·kh·kw) += Σ_b gy_b·col_bᵀ and dx (N, C, H, W) += the
    /// input gradient. <paramref name="wFlip"/> (groups·C/g, O/g·kh·kw), when given, computes dx as the convolution of gy
    /// with geometry <paramref name="back"/>; otherwise dx is col2im of Wᵀ·gy.
    /// </summary>
    public static void Backward(float* x, float* w, float* gy, float* dx, float* dw, float* wFlip, int n, int c, int o, int groups,
                                in ConvGeometry geo, in ConvGeometry back)
    {
        var g0 = geo; var bk = back;
        long xs = (long)x, ws = (long)w, gs = (long)gy, dxs = (long)dx, dws = (long)dw, fs = (long)wFlip;
        int cg = g0.C, og = o / groups, k = g0.K, l = g0.L, hw = g0.H * g0.W;
        int gcount = Groups(n), band = BandRows(g0), bband = BandRows(bk);
        long wsize = (long)o * k;
        // per image group its own weight-gradient sum; the groups' sums are added in order at the end
        float[]? partial = dw is null ? null : TensorPool.Rent((int)(gcount * wsize));
        var serial = AcquireSerial();
        try
        {
            fixed (float* pp = partial)
            {
                long ps = (long)pp;
                Parallel.For(0, gcount, new ParallelOptions { MaxDegreeOfParallelism = Workers }, gi =>
                {
                    var (b0, b1) = Range(n, gcount, gi);
                    float* dwg0 = (float*)ps + gi * wsize;
                    if (dws != 0) new Span<float>(dwg0, (int)wsize).Clear();
                    bool flipped = fs != 0;
                    int wo = g0.Wo;
                    float[]? col = dws != 0 && !g0.IsPointwise ? TensorPool.Rent(k * band * wo) : null;
                    float[]? dcol = dxs == 0 ? null : flipped ? TensorPool.Rent(bk.K * bband * bk.Wo) : g0.IsPointwise ? null : TensorPool.Rent(k * l);
                    try
                    {
                        fixed (float* pcol = col, pdcol = dcol)
                            for (int b = b0; b < b1; b++)
                                for (int g = 0; g < groups; g++)
                                {
                                    float* xg = (float*)xs + ((long)b * c + g * cg) * hw;
                                    float* gg = (float*)gs + ((long)b * o + g * og) * l;                       // (Og, L)
                                    if (dws != 0)
                                    {
                                        float* dwg = dwg0 + (long)g * og * k;
                                        if (g0.IsPointwise) serial.Sgemm(false, true, og, k, l, 1f, gg, l, xg, l, 1f, dwg, k);  // dW_g += gy (Og, L)·xᵀ
                                        else
                                            for (int oh0 = 0; oh0 < g0.Ho; oh0 += band)
                                            {
                                                int oh1 = Math.Min(g0.Ho, oh0 + band), lt = (oh1 - oh0) * wo;
                                                ConvKernels.Im2ColRowsSerial(xg, g0, oh0, oh1, pcol);                            // (K, Lt)
                                                serial.Sgemm(false, true, og, k, lt, 1f, gg + oh0 * wo, l, pcol, lt, 1f, dwg, k); // dW_g += gy (Og, Lt)·colᵀ
                                            }
                                    }
                                    if (dxs == 0) continue;
                                    float* dxg = (float*)dxs + ((long)b * c + g * cg) * hw;
                                    if (flipped)
                                    {
                                        float* fg = (float*)fs + (long)g * cg * bk.K;
                                        for (int r0 = 0; r0 < bk.Ho; r0 += bband)
                                        {
                                            int r1 = Math.Min(bk.Ho, r0 + bband), lt = (r1 - r0) * bk.Wo;
                                            ConvKernels.Im2ColRowsSerial(gg, bk, r0, r1, pdcol);                                      // (O/g·kh·kw, Lt)
                                            serial.Sgemm(false, false, cg, lt, bk.K, 1f, fg, bk.K, pdcol, lt, 1f, dxg + r0 * bk.Wo, hw); // W'_g (Cg, K')·gcol
                                        }
                                    }
                                    else if (g0.IsPointwise)
                                        serial.Sgemm(true, false, cg, hw, og, 1f, (float*)ws + (long)g * og * k, k, gg, l, 1f, dxg, hw);   // W_gᵀ (Cg, Og)·gy
                                    else
                                    {
                                        serial.Sgemm(true, false, k, l, og, 1f, (float*)ws + (long)g * og * k, k, gg, l, 0f, pdcol, l);    // dcol (K, L)
                                        ConvKernels.Col2ImAddSerial(pdcol, g0, dxg);
                                    }
                                }
                    }
                    finally { if (col is not null) TensorPool.Return(col); if (dcol is not null) TensorPool.Return(dcol); }
                });
                if (dw is not null)
                    for (int gi = 0; gi < gcount; gi++)
                    {
                        var d = new Span<float>(dw, (int)wsize);
                        TensorPrimitives.Add(d, new ReadOnlySpan<float>(pp + gi * wsize, (int)wsize), d);
                    }
            }
        }
        finally
        {
            Release(serial);
            if (partial is not null) TensorPool.Return(partial);
        }
    }
}
