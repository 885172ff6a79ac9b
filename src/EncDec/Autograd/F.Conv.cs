using EncDec.Tensors;
using EncDec.Tensors.Gemm;

namespace EncDec.Autograd;

// Convolutions lowered to GEMM (im2col): one product per image and group, the column buffer reused across them.
// Layouts are PyTorch's: input (N, C, H, W), Conv2d weight (O, C/groups, kh, kw), ConvTranspose2d weight
// (C_in, C_out/groups, kh, kw), bias (O).
public static partial class F
{
    /// <summary>1-D convolution: x (N, C, L), weight (O, C/groups, k), bias (O) → (N, O, L_out).</summary>
    public static Tensor Conv1d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        if (x.Rank != 3 || weight.Rank != 3) throw new ArgumentException($"Conv1d: input {ShapeUtil.Format(x.Shape)} must be (N, C, L) and weight {ShapeUtil.Format(weight.Shape)} (O, C/groups, k)");
        int n = x.Shape[0], c = x.Shape[1], l = x.Shape[2];
        var x4 = x.Reshape(n, c, 1, l);                                                       // (N, C, 1, L)
        var w4 = weight.Reshape(weight.Shape[0], weight.Shape[1], 1, weight.Shape[2]);        // (O, C/g, 1, k)
        var y = Conv2d(x4, w4, bias, (1, stride), (0, padding), (1, dilation), groups);       // (N, O, 1, L_out)
        return y.Reshape(n, y.Shape[1], y.Shape[3]);                                          // (N, O, L_out)
    }

    /// <summary>2-D convolution with the same stride, padding and dilation in both directions.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
        => Conv2d(x, weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    /// <summary>2-D convolution (cross-correlation, as PyTorch): x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O) → (N, O, Ho, Wo).</summary>
    public static unsafe Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups)
    {
        if (x.Rank != 4 || weight.Rank != 4) throw new ArgumentException($"Conv2d: input {ShapeUtil.Format(x.Shape)} must be (N, C, H, W) and weight {ShapeUtil.Format(weight.Shape)} (O, C/groups, kh, kw)");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int o = weight.Shape[0], cg = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3];
        if (groups < 1 || c != cg * groups || o % groups != 0)
            throw new ArgumentException($"Conv2d: input channels {c} and weight {ShapeUtil.Format(weight.Shape)} do not fit groups = {groups}");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != o)) throw new ArgumentException($"Conv2d: bias {ShapeUtil.Format(bias.Shape)} must be ({o})");
        CheckWindow(stride, padding, dilation, "Conv2d");
        var geo = new ConvGeometry(cg, h, w, kh, kw, stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W);
        if (geo.Ho <= 0 || geo.Wo <= 0) throw new ArgumentException($"Conv2d: kernel {kh}×{kw} does not fit input {h}×{w} with padding {padding}");
        var xc = x.Contiguous(); var wc = weight.Contiguous();
        int og = o / groups, k = geo.K, l = geo.L, hw = h * w;
        // With unit stride the input gradient is itself a convolution: of gy, padded by d·(k − 1) − p, with the
        // weight flipped and its channel axes swapped. That is one deep GEMM (depth O/g·kh·kw) instead of a shallow
        // one (depth O/g) followed by col2im's scattered adds.
        var back = new ConvGeometry(og, geo.Ho, geo.Wo, kh, kw, 1, 1, dilation.H * (kh - 1) - padding.H, dilation.W * (kw - 1) - padding.W, dilation.H, dilation.W);
        bool flippable = !geo.IsPointwise && stride == (1, 1) && back.Ph >= 0 && back.Pw >= 0;
        // Images are lowered side by side into one column matrix (up to a size limit): one GEMM per chunk and group.
        int chunk = ConvKernels.ChunkImages(n, Math.Max(Math.Max(k, back.K), Math.Max(og, cg)), Math.Max(l, hw));
        var y = Tensor.Empty(n, o, geo.Ho, geo.Wo);
        if (ConvPerImage.Applies(n, 2.0 * o * k * l))
            return Conv2dPerImage(xc, wc, bias, y, groups, geo, back, flippable);
        var gemm = GemmProviders.Current;
        bool direct = chunk == 1 && geo.IsPointwise;
        float[]? col = direct ? null : TensorPool.Rent(k * chunk * l);
        float[]? tmp = chunk > 1 ? TensorPool.Rent(og * chunk * l) : null;
        try
        {
            fixed (float* px0 = xc.Storage.Array, pw0 = wc.Storage.Array, py = y.Storage.Array, pcol = col, ptmp = tmp)
            {
                float* px = px0 + xc.Offset, pw = pw0 + wc.Offset;
                for (int b0 = 0; b0 < n; b0 += chunk)
                {
                    int nb = Math.Min(chunk, n - b0), ld = nb * l;
                    for (int g = 0; g < groups; g++)
                    {
                        float* xg = px + ((long)b0 * c + g * cg) * hw;
                        float* cm = xg;
                        if (geo.IsPointwise) { if (!direct) { ConvKernels.Gather(xg, (long)c * hw, nb, cg, hw, pcol); cm = pcol; } }
                        else { for (int bb = 0; bb < nb; bb++) ConvKernels.Im2Col(xg + (long)bb * c * hw, geo, pcol + (long)bb * l, ld); cm = pcol; }
                        float* yg = py + ((long)b0 * o + g * og) * l;
                        gemm.Sgemm(false, false, og, ld, k, 1f, pw + (long)g * og * k, k, cm, ld, 0f, nb == 1 ? yg : ptmp, ld);   // (Og, K)·(K, nb·L)
                        if (nb > 1) ConvKernels.Scatter(ptmp, nb, og, l, yg, (long)o * l, add: false);
                    }
                }
            }
        }
        finally { if (col is not null) TensorPool.Return(col); if (tmp is not null) TensorPool.Return(tmp); }
        if (bias is not null) AddChannelBias(y, bias);
        var inputs = bias is null ? new[] { xc, wc } : new[] { xc, wc, bias };
        if (!Tensor.NeedsGrad(inputs)) return y;
        return y.WithGrad("Conv2d", inputs, gy =>
        {
            if (bias is not null && bias.RequiresGrad) SumChannelsInto(gy, bias.GradSink());
            bool needX = xc.RequiresGrad, needW = wc.RequiresGrad;
            if (!needX && !needW) return;
            var dx = needX ? xc.GradSink() : null;
            var dw = needW ? wc.GradSink() : null;
            bool flipped = needX && flippable;
            float[]? wFlip = flipped ? FlipWeight(wc, groups) : null;
            float[]? colB = needW && !direct ? TensorPool.Rent(k * chunk * l) : null;
            float[]? gyc = chunk > 1 ? TensorPool.Rent(og * chunk * l) : null;                      // gy of a chunk, (Og, nb·L)
            float[]? dcol = needX && !direct ? TensorPool.Rent(flipped ? back.K * chunk * hw : Math.Max(k * chunk * l, cg * chunk * hw)) : null;
            float[]? dxc = needX && chunk > 1 && (flipped || geo.IsPointwise) ? TensorPool.Rent(cg * chunk * hw) : null;
            try
            {
                fixed (float* px0 = xc.Storage.Array, pw0 = wc.Storage.Array, pg0 = gy.Storage.Array, pcol = colB, pdcol = dcol, pgyc = gyc, pdxc = dxc, pf = wFlip)
                fixed (float* pdx0 = dx?.Storage.Array, pdw0 = dw?.Storage.Array)
                {
                    float* px = px0 + xc.Offset, pw = pw0 + wc.Offset, pg = pg0 + gy.Offset;
                    for (int b0 = 0; b0 < n; b0 += chunk)
                    {
                        int nb = Math.Min(chunk, n - b0), ld = nb * l, ldx = nb * hw;
                        for (int g = 0; g < groups; g++)
                        {
                            float* xg = px + ((long)b0 * c + g * cg) * hw;
                            float* gg = pg + ((long)b0 * o + g * og) * l;
                            float* wg = pw + (long)g * og * k;
                            float* gm = gg;                                                                   // gy as (Og, nb·L)
                            if (nb > 1) { ConvKernels.Gather(gg, (long)o * l, nb, og, l, pgyc); gm = pgyc; }
                            if (needW)
                            {
                                float* cm = xg;
                                if (geo.IsPointwise) { if (!direct) { ConvKernels.Gather(xg, (long)c * hw, nb, cg, hw, pcol); cm = pcol; } }
                                else { for (int bb = 0; bb < nb; bb++) ConvKernels.Im2Col(xg + (long)bb * c * hw, geo, pcol + (long)bb * l, ld); cm = pcol; }
                                gemm.Sgemm(false, true, og, k, ld, 1f, gm, ld, cm, ld, 1f, pdw0 + dw!.Offset + (long)g * og * k, k); // dW_g += gy (Og, nb·L)·colᵀ
                            }
                            if (!needX) continue;
                            float* dxg = pdx0 + dx!.Offset + ((long)b0 * c + g * cg) * hw;
                            if (flipped || geo.IsPointwise)
                            {
                                float* a; int depth, lda; float* bm;
                                if (flipped)
                                {
                                    for (int bb = 0; bb < nb; bb++) ConvKernels.Im2Col(gg + (long)bb * o * l, back, pdcol + (long)bb * hw, ldx);   // (O/g·kh·kw, nb·H·W)
                                    a = pf + (long)g * cg * back.K; depth = back.K; lda = back.K; bm = pdcol;
                                    gemm.Sgemm(false, false, cg, ldx, depth, 1f, a, lda, bm, ldx, nb == 1 ? 1f : 0f, nb == 1 ? dxg : pdxc, ldx);  // W'_g (Cg, K')·gcol
                                }
                                else
                                    gemm.Sgemm(true, false, cg, ldx, og, 1f, wg, k, gm, ldx, nb == 1 ? 1f : 0f, nb == 1 ? dxg : pdxc, ldx);     // W_gᵀ (Cg, Og)·gy
                                if (nb > 1) ConvKernels.Scatter(pdxc, nb, cg, hw, dxg, (long)c * hw, add: true);
                            }
                            else
                            {
                                gemm.Sgemm(true, false, k, ld, og, 1f, wg, k, gm, ld, 0f, pdcol, ld);                  // dcol (K, nb·L)
                                for (int bb = 0; bb < nb; bb++) ConvKernels.Col2ImAdd(pdcol + (long)bb * l, geo, dxg + (long)bb * c * hw, ld);
                            }
                        }
                    }
                }
            }
            finally
            {
                foreach (var buf in new[] { colB, gyc, dcol, dxc }) if (buf is not null) TensorPool.Return(buf);
            }
        });
    }

    /// <summary>The image-parallel lowering of <c>Conv2d</c> (<c>ConvPerImage</c>): x (N, C, H, W) contiguous, y (N, O, Ho, Wo) allocated.</summary>
    private static unsafe Tensor Conv2dPerImage(Tensor xc, Tensor wc, Tensor? bias, Tensor y, int groups, ConvGeometry geo, ConvGeometry back, bool flippable)
    {
        int n = xc.Shape[0], c = xc.Shape[1], o = wc.Shape[0];
        fixed (float* px0 = xc.Storage.Array, pw0 = wc.Storage.Array, py0 = y.Storage.Array)
            ConvPerImage.Forward(px0 + xc.Offset, pw0 + wc.Offset, py0 + y.Offset, n, c, o, groups, geo);
        if (bias is not null) AddChannelBias(y, bias);
        var inputs = bias is null ? new[] { xc, wc } : new[] { xc, wc, bias };
        if (!Tensor.NeedsGrad(inputs)) return y;
        return y.WithGrad("Conv2d", inputs, gy =>
        {
            if (bias is not null && bias.RequiresGrad) SumChannelsInto(gy, bias.GradSink());
            bool needX = xc.RequiresGrad, needW = wc.RequiresGrad;
            if (!needX && !needW) return;
            var gc = gy.Contiguous();
            var dx = needX ? xc.GradSink() : null;
            var dw = needW ? wc.GradSink() : null;
            float[]? wFlip = needX && flippable ? FlipWeight(wc, groups) : null;
            fixed (float* px0 = xc.Storage.Array, pw0 = wc.Storage.Array, pg0 = gc.Storage.Array, pf = wFlip)
            fixed (float* pdx0 = dx?.Storage.Array, pdw0 = dw?.Storage.Array)
                ConvPerImage.Backward(px0 + xc.Offset, pw0 + wc.Offset, pg0 + gc.Offset, dx is null ? null : pdx0 + dx.Offset,
                                      dw is null ? null : pdw0 + dw.Offset, pf, n, c, o, groups, geo, back);
        });
    }

    /// <summary>Transposed 2-D convolution with the same settings in both directions.</summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0, int dilation = 1, int groups = 1)
        => ConvTranspose2d(x, weight, bias, (stride, stride), (padding, padding), (outputPadding, outputPadding), (dilation, dilation), groups);

    /// <summary>
    /// Transposed 2-D convolution (the adjoint of <c>Conv2d</c>):
    /// x (N, C_in, H, W), weight (C_in, C_out/groups, kh, kw), bias (C_out) → (N, C_out, Ho, Wo) with
    /// Ho = (H − 1)·sh − 2·ph + dh·(kh − 1) + output_padding + 1.
    /// </summary>
    public static unsafe Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding,
                                                (int H, int W) outputPadding, (int H, int W) dilation, int groups)
    {
        if (x.Rank != 4 || weight.Rank != 4) throw new ArgumentException($"ConvTranspose2d: input {ShapeUtil.Format(x.Shape)} must be (N, C, H, W) and weight {ShapeUtil.Format(weight.Shape)} (C_in, C_out/groups, kh, kw)");
        int n = x.Shape[0], cin = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int cog = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3];
        if (groups < 1 || weight.Shape[0] != cin || cin % groups != 0)
            throw new ArgumentException($"ConvTranspose2d: input channels {cin} and weight {ShapeUtil.Format(weight.Shape)} do not fit groups = {groups}");
        CheckWindow(stride, padding, dilation, "ConvTranspose2d");
        if (outputPadding.H < 0 || outputPadding.W < 0 || (outputPadding.H >= stride.H && outputPadding.H >= dilation.H) || (outputPadding.W >= stride.W && outputPadding.W >= dilation.W))
            throw new ArgumentException($"ConvTranspose2d: output_padding {outputPadding} must be smaller than stride or dilation");
        int cout = cog * groups, cig = cin / groups;
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != cout)) throw new ArgumentException($"ConvTranspose2d: bias {ShapeUtil.Format(bias.Shape)} must be ({cout})");
        int ho = (h - 1) * stride.H - 2 * padding.H + dilation.H * (kh - 1) + outputPadding.H + 1;
        int wo = (w - 1) * stride.W - 2 * padding.W + dilation.W * (kw - 1) + outputPadding.W + 1;
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"ConvTranspose2d: output size {ho}×{wo} is not positive");
        // the convolution that maps the output (C_out/g, Ho, Wo) back to the input grid (H, W)
        var geo = new ConvGeometry(cog, ho, wo, kh, kw, stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W);
        int k = geo.K, l = h * w, ohw = ho * wo;
        var xc = x.Contiguous(); var wc = weight.Contiguous();
        var y = Tensor.Zeros(n, cout, ho, wo);
        var gemm = GemmProviders.Current;
        var col = TensorPool.Rent(k * l);
        try
        {
            fixed (float* px0 = xc.Storage.Array, pw0 = wc.Storage.Array, py = y.Storage.Array, pcol = col)
            {
                float* px = px0 + xc.Offset, pw = pw0 + wc.Offset;
                for (int b = 0; b < n; b++)
                    for (int g = 0; g < groups; g++)
                    {
                        gemm.Sgemm(true, false, k, l, cig, 1f, pw + (long)g * cig * k, k, px + ((long)b * cin + g * cig) * l, l, 0f, pcol, l); // W_gᵀ (K, Cin_g)·x (Cin_g, L)
                        ConvKernels.Col2ImAdd(pcol, geo, py + ((long)b * cout + g * cog) * ohw);
                    }
            }
        }
        finally { TensorPool.Return(col); }
        if (bias is not null) AddChannelBias(y, bias);
        var inputs = bias is null ? new[] { xc, wc } : new[] { xc, wc, bias };
        if (!Tensor.NeedsGrad(inputs)) return y;
        return y.WithGrad("ConvTranspose2d", inputs, gy =>
        {
            if (bias is not null && bias.RequiresGrad) SumChannelsInto(gy, bias.GradSink());
            bool needX = xc.RequiresGrad, needW = wc.RequiresGrad;
            if (!needX && !needW) return;
            var dx = needX ? xc.GradSink() : null;
            var dw = needW ? wc.GradSink() : null;
            var gcol = TensorPool.Rent(k * l);
            try
            {
                fixed (float* px0 = xc.Storage.Array, pw0 = wc.Storage.Array, pg0 = gy.Storage.Array, pcol = gcol)
                fixed (float* pdx0 = dx?.Storage.Array, pdw0 = dw?.Storage.Array)
                {
                    float* px = px0 + xc.Offset, pw = pw0 + wc.Offset, pg = pg0 + gy.Offset;
                    for (int b = 0; b < n; b++)
                        for (int g = 0; g < groups; g++)
                        {
                            ConvKernels.Im2Col(pg + ((long)b * cout + g * cog) * ohw, geo, pcol);                 // (K, L)
                            float* xg = px + ((long)b * cin + g * cig) * l;
                            if (needX)
                                gemm.Sgemm(false, false, cig, l, k, 1f, pw + (long)g * cig * k, k, pcol, l, 1f,
                                           pdx0 + dx!.Offset + ((long)b * cin + g * cig) * l, l);                     // dx_g += W_g (Cin_g, K)·gcol (K, L)
                            if (needW)
                                gemm.Sgemm(false, true, cig, k, l, 1f, xg, l, pcol, l, 1f, pdw0 + dw!.Offset + (long)g * cig * k, k); // dW_g += x (Cin_g, L)·gcolᵀ
                        }
                }
            }
            finally { TensorPool.Return(gcol); }
        });
    }

    /// <summary>Per group, W'[c, o, i, j] = W[o, c, kh−1−i, kw−1−j]: (groups·C/g, O/g·kh·kw), the weight of the input-gradient convolution.</summary>
    private static float[] FlipWeight(Tensor w, int groups)
    {
        int o = w.Shape[0], cg = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3], og = o / groups, kk = kh * kw;
        var src = w.ContiguousRaw().Span;
        var dst = new float[o * cg * kk];
        for (int g = 0; g < groups; g++)
            for (int oo = 0; oo < og; oo++)
                for (int c = 0; c < cg; c++)
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++)
                            dst[((g * cg + c) * og + oo) * kk + (kh - 1 - i) * kw + (kw - 1 - j)] = src[(((g * og + oo) * cg + c) * kh + i) * kw + j];
        return dst;
    }

    private static void CheckWindow((int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, string op)
    {
        if (stride.H < 1 || stride.W < 1) throw new ArgumentException($"{op}: stride {stride} must be positive");
        if (padding.H < 0 || padding.W < 0) throw new ArgumentException($"{op}: padding {padding} must not be negative");
        if (dilation.H < 1 || dilation.W < 1) throw new ArgumentException($"{op}: dilation {dilation} must be positive");
    }

    /// <summary>y (N, C, …) += bias[c] over every position.</summary>
    private static void AddChannelBias(Tensor y, Tensor bias)
    {
        int n = y.Shape[0], c = y.Shape[1], s = y.Numel / Math.Max(1, n * c);
        var bs = bias.ContiguousRaw().ToArray(); var ys = y.Storage.Array; int off = y.Offset;
        Par.For(n * c, s, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++) TensorPrimitives.Add(ys.AsSpan(off + p * s, s), bs[p % c], ys.AsSpan(off + p * s, s));
        });
    }

    /// <summary>sink[c] += Σ over batch and positions of g (N, C, …).</summary>
    private static void SumChannelsInto(Tensor g, Tensor sink)
    {
        var gc = g.ContiguousRaw();
        int n = gc.Shape[0], c = gc.Shape[1], s = gc.Numel / Math.Max(1, n * c);
        var gs = gc.Span; var d = sink.Span;
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++) d[ch] += TensorPrimitives.Sum(gs.Slice((b * c + ch) * s, s));
    }
}
