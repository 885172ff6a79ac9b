using EncDec.Tensors.Gemm;

namespace EncDec.Tensors;

/// <summary>
/// The image-parallel Conv2d lowering: the batch is cut into fixed groups of images, the groups run on the cores side
/// by side, and inside a group everything is single-threaded (im2col, a serial GEMM per image and group, col2im).
/// On a few cores this beats splitting each GEMM over the threads: no hand-off per product, no BLAS threads spinning
/// while the .NET threads lower the next image, and each thread's column matrix stays in its own cache.
/// The weight gradient is summed per image group into its own buffer and the groups are added in a fixed order,
/// so the result does not depend on which thread ran which group.
/// </summary>
internal static unsafe class ConvPerImage
{
    /// <summary><c>ENCDEC_CONV=batched</c> turns this path off (the batched GEMMs of <c>F.Conv2d</c> then run).</summary>
    internal static bool Disabled = string.Equals(Environment.GetEnvironmentVariable("ENCDEC_CONV"), "batched", StringComparison.OrdinalIgnoreCase);

    /// <summary>Single-threaded GEMM each worker calls.</summary>
    private static readonly ManagedGemm Serial = new(ManagedGemm.BestKernel()) { MaxThreads = 1 };

    private static readonly int Workers = Math.Max(1, Par.Chunks(int.MaxValue, Par.MinWork));

    /// <summary>Whether a convolution of <paramref name="n"/> images with this per-image work takes this path.</summary>
    public static bool Applies(int n, double flopsPerImage) => Forced || (!Disabled && Workers > 1 && n >= 2 && flopsPerImage >= 2e6);

    /// <summary>Tests set this (on their own thread) to send every Conv2d of that thread down this path.</summary>
    [ThreadStatic] internal static bool Forced;

    /// <summary>Image groups: about two per worker (so a core slowed by other load takes fewer), fixed by n alone.</summary>
    private static int Groups(int n) => Math.Min(n, 2 * Workers);

    private static (int Start, int End) Range(int n, int groups, int gi) => ((int)((long)n * gi / groups), (int)((long)n * (gi + 1) / groups));

    /// <summary>y (N, O, Ho, Wo) ← conv of x (N, C, H, W) with w (O, C/groups, kh, kw); <paramref name="geo"/> is one group's window.</summary>
    public static void Forward(float* x, float* w, float* y, int n, int c, int o, int groups, in ConvGeometry geo)
    {
        var g0 = geo;
        long xs = (long)x, ws = (long)w, ys = (long)y;
        int gcount = Groups(n);
        Parallel.For(0, gcount, new ParallelOptions { MaxDegreeOfParallelism = Workers }, gi =>
        {
            var (b0, b1) = Range(n, gcount, gi);
            int cg = g0.C, og = o / groups, k = g0.K, l = g0.L, hw = g0.H * g0.W;
            float[]? col = g0.IsPointwise ? null : TensorPool.Rent(k * l);
            try
            {
                fixed (float* pcol = col)
                    for (int b = b0; b < b1; b++)
                        for (int g = 0; g < groups; g++)
                        {
                            float* xg = (float*)xs + ((long)b * c + g * cg) * hw;
                            float* cm = xg;                                                         // (K, L)
                            if (!g0.IsPointwise) { ConvKernels.Im2ColSerial(xg, g0, pcol); cm = pcol; }
                            Serial.Sgemm(false, false, og, l, k, 1f, (float*)ws + (long)g * og * k, k, cm, l, 0f,
                                         (float*)ys + ((long)b * o + g * og) * l, l);               // (Og, K)·(K, L)
                        }
            }
            finally { if (col is not null) TensorPool.Return(col); }
        });
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
        int gcount = Groups(n);
        long wsize = (long)o * k;
        // per image group its own weight-gradient sum; the groups' sums are added in order at the end
        float[]? partial = dw is null ? null : TensorPool.Rent((int)(gcount * wsize));
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
                    float[]? col = dws != 0 && !g0.IsPointwise ? TensorPool.Rent(k * l) : null;
                    float[]? dcol = dxs == 0 ? null : flipped ? TensorPool.Rent(bk.K * hw) : g0.IsPointwise ? null : TensorPool.Rent(k * l);
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
                                        float* cm = xg;
                                        if (!g0.IsPointwise) { ConvKernels.Im2ColSerial(xg, g0, pcol); cm = pcol; }
                                        Serial.Sgemm(false, true, og, k, l, 1f, gg, l, cm, l, 1f, dwg0 + (long)g * og * k, k); // dW_g += gy (Og, L)·colᵀ
                                    }
                                    if (dxs == 0) continue;
                                    float* dxg = (float*)dxs + ((long)b * c + g * cg) * hw;
                                    if (flipped)
                                    {
                                        ConvKernels.Im2ColSerial(gg, bk, pdcol);                                       // (O/g·kh·kw, H·W)
                                        Serial.Sgemm(false, false, cg, hw, bk.K, 1f, (float*)fs + (long)g * cg * bk.K, bk.K, pdcol, hw, 1f, dxg, hw); // W'_g (Cg, K')·gcol
                                    }
                                    else if (g0.IsPointwise)
                                        Serial.Sgemm(true, false, cg, hw, og, 1f, (float*)ws + (long)g * og * k, k, gg, l, 1f, dxg, hw);   // W_gᵀ (Cg, Og)·gy
                                    else
                                    {
                                        Serial.Sgemm(true, false, k, l, og, 1f, (float*)ws + (long)g * og * k, k, gg, l, 0f, pdcol, l);    // dcol (K, L)
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
        finally { if (partial is not null) TensorPool.Return(partial); }
    }
}
