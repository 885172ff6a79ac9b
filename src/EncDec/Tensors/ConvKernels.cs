namespace EncDec.Tensors;

/// <summary>
/// im2col / col2im: the lowering that turns a convolution into one GEMM per image and group. The column matrix
/// of an image is (C·kh·kw, Ho·Wo): row (c, i, j) holds input pixel (c, oh·sh − ph + i·dh, ow·sw − pw + j·dw)
/// for every output position, zero where the window hangs over the padding.
/// </summary>
internal static unsafe class ConvKernels
{
    internal static bool Serial = Environment.GetEnvironmentVariable("ENCDEC_CONV_SERIAL") == "1";

    /// <summary>Largest column buffer (floats) one batched GEMM may use: images are lowered together up to this size.</summary>
    public const int MaxColumnFloats = 1 << 23;

    /// <summary>Images per chunk so that a (rows, chunk·cols) buffer stays under <see cref="MaxColumnFloats"/>.</summary>
    public static int ChunkImages(int n, long rows, long cols) => (int)Math.Clamp(MaxColumnFloats / Math.Max(1, rows * cols), 1, Math.Max(1, n));

    /// <summary>dst (rows, nb·cols) ← the nb images' (rows, cols) blocks of src, image b at src + b·imageStride.</summary>
    public static void Gather(float* src, long imageStride, int nb, int rows, int cols, float* dst)
    {
        for (int b = 0; b < nb; b++)
            for (int r = 0; r < rows; r++)
                new ReadOnlySpan<float>(src + b * imageStride + (long)r * cols, cols).CopyTo(new Span<float>(dst + (long)r * nb * cols + (long)b * cols, cols));
    }

    /// <summary>The adjoint of <see cref="Gather"/>: copies (or adds) block b of src (rows, nb·cols) to dst + b·imageStride.</summary>
    public static void Scatter(float* src, int nb, int rows, int cols, float* dst, long imageStride, bool add)
    {
        for (int b = 0; b < nb; b++)
            for (int r = 0; r < rows; r++)
            {
                var s = new ReadOnlySpan<float>(src + (long)r * nb * cols + (long)b * cols, cols);
                var d = new Span<float>(dst + b * imageStride + (long)r * cols, cols);
                if (add) TensorPrimitives.Add(d, s, d); else s.CopyTo(d);
            }
    }

    /// <summary>Writes the column matrix of image <paramref name="x"/> (C, H, W contiguous) into <paramref name="col"/> (K, L).</summary>
    /// <remarks><paramref name="ld"/>: row stride of <paramref name="col"/> (default L; larger when several images share one column matrix side by side).</remarks>
    public static void Im2Col(float* x, in ConvGeometry g, float* col, int ld = 0)
    {
        var geo = g;
        int rows = g.K, l = g.L;
        long stride = ld > 0 ? ld : l;
        long xs = (long)x, cs = (long)col;
        if (Serial) { for (int r = 0; r < rows; r++) Im2ColRow(x, g, r, col + r * stride); return; }
        Par.For(rows, l, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++) Im2ColRow((float*)xs, geo, r, (float*)cs + r * stride);
        });
    }

    /// <summary><see cref="Col2ImAdd"/> on the calling thread only, rows of stride L.</summary>
    public static void Col2ImAddSerial(float* col, in ConvGeometry g, float* x)
    {
        int l = g.L;
        for (int r = 0; r < g.K; r++) Col2ImRow(col + (long)r * l, g, r, x);
    }

    /// <summary>The output rows [oh0, oh1) of the column matrix: col (K, (oh1 − oh0)·Wo), on the calling thread.</summary>
    public static void Im2ColRowsSerial(float* x, in ConvGeometry g, int oh0, int oh1, float* col)
    {
        long ld = (long)(oh1 - oh0) * g.Wo;
        for (int r = 0; r < g.K; r++) Im2ColRow(x, g, r, col + r * ld, oh0, oh1);
    }

    private static void Im2ColRow(float* x, in ConvGeometry g, int r, float* dst) => Im2ColRow(x, g, r, dst, 0, g.Ho);

    private static void Im2ColRow(float* x, in ConvGeometry g, int r, float* dst, int oh0, int oh1)
    {
        int c = r / (g.Kh * g.Kw), ij = r % (g.Kh * g.Kw), i = ij / g.Kw, j = ij % g.Kw;
        int ho = g.Ho, wo = g.Wo;
        float* plane = x + (long)c * g.H * g.W;
        int offW = j * g.Dw - g.Pw;
        // output columns whose input column is inside the image: ow·sw + offW ∈ [0, W)
        int lo = offW >= 0 ? 0 : (-offW + g.Sw - 1) / g.Sw;
        int hi = g.W - offW <= 0 ? 0 : Math.Min(wo, (g.W - offW - 1) / g.Sw + 1);
        if (hi < lo) hi = lo;
        for (int oh = oh0; oh < oh1; oh++)
        {
            float* d = dst + (oh - oh0) * wo;
            int ih = oh * g.Sh - g.Ph + i * g.Dh;
            if ((uint)ih >= (uint)g.H) { new Span<float>(d, wo).Clear(); continue; }
            float* src = plane + (long)ih * g.W + offW;
            for (int ow = 0; ow < lo; ow++) d[ow] = 0f;
            if (g.Sw == 1) new ReadOnlySpan<float>(src + lo, hi - lo).CopyTo(new Span<float>(d + lo, hi - lo));
            else for (int ow = lo; ow < hi; ow++) d[ow] = src[ow * g.Sw];
            for (int ow = hi; ow < wo; ow++) d[ow] = 0f;
        }
    }

    /// <summary>Adds the column matrix <paramref name="col"/> (K, L) back onto image <paramref name="x"/> (C, H, W): the adjoint of <see cref="Im2Col"/>.</summary>
    public static void Col2ImAdd(float* col, in ConvGeometry g, float* x, int ld = 0)
    {
        var geo = g;
        long stride = ld > 0 ? ld : g.L;
        long xs = (long)x, cs = (long)col;
        int kk = g.Kh * g.Kw;
        // one channel per work item: rows of different channels write disjoint planes
        Par.For(g.C, kk * g.L, (c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
                for (int ij = 0; ij < kk; ij++)
                {
                    int r = c * kk + ij;
                    Col2ImRow((float*)cs + r * stride, geo, r, (float*)xs);
                }
        });
    }

    private static void Col2ImRow(float* src, in ConvGeometry g, int r, float* x)
    {
        int c = r / (g.Kh * g.Kw), ij = r % (g.Kh * g.Kw), i = ij / g.Kw, j = ij % g.Kw;
        int ho = g.Ho, wo = g.Wo;
        float* plane = x + (long)c * g.H * g.W;
        int offW = j * g.Dw - g.Pw;
        int lo = offW >= 0 ? 0 : (-offW + g.Sw - 1) / g.Sw;
        int hi = g.W - offW <= 0 ? 0 : Math.Min(wo, (g.W - offW - 1) / g.Sw + 1);
        if (hi < lo) hi = lo;
        for (int oh = 0; oh < ho; oh++)
        {
            int ih = oh * g.Sh - g.Ph + i * g.Dh;
            if ((uint)ih >= (uint)g.H) continue;
            float* s = src + oh * wo;
            float* d = plane + (long)ih * g.W + offW;
            if (g.Sw == 1)
            {
                var dd = new Span<float>(d + lo, hi - lo);
                TensorPrimitives.Add(dd, new ReadOnlySpan<float>(s + lo, hi - lo), dd);
            }
            else for (int ow = lo; ow < hi; ow++) d[ow * g.Sw] += s[ow];
        }
    }
}
