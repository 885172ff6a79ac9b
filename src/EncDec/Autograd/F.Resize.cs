using EncDec.Tensors;

namespace EncDec.Autograd;

// Upsampling and pixel/patch rearrangements of (N, C, H, W) images.
public static partial class F
{
    /// <summary>Nearest-neighbour resize to (<paramref name="outH"/>, <paramref name="outW"/>): source index ⌊dst·in/out⌋ (PyTorch's mode = "nearest").</summary>
    public static Tensor UpsampleNearest2d(Tensor x, int outH, int outW)
    {
        var (xc, n, c, h, w) = Planes(x, "UpsampleNearest2d");
        if (outH < 1 || outW < 1) throw new ArgumentException($"UpsampleNearest2d: output size {outH}×{outW} must be positive");
        float sh = (float)h / outH, sw = (float)w / outW;
        var ri = Enumerable.Range(0, outH).Select(i => Math.Min((int)MathF.Floor(i * sh), h - 1)).ToArray();
        var ci = Enumerable.Range(0, outW).Select(j => Math.Min((int)MathF.Floor(j * sw), w - 1)).ToArray();
        var y = Tensor.Empty(n, c, outH, outW);
        var xs = xc.Storage.Array; int xo = xc.Offset; var ys = y.Storage.Array;
        Par.For(n * c, outH * outW, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
                for (int i = 0; i < outH; i++)
                {
                    int src = xo + p * h * w + ri[i] * w, dst = (p * outH + i) * outW;
                    for (int j = 0; j < outW; j++) ys[dst + j] = xs[src + ci[j]];
                }
        });
        if (!Tensor.NeedsGrad(xc)) return y;
        return y.WithGrad("UpsampleNearest2d", new[] { xc }, g =>
        {
            var d = xc.GradSink(); var ds = d.Storage.Array; int dOff = d.Offset; var gs = g.Storage.Array; int go = g.Offset;
            Par.For(n * c, outH * outW, (p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                    for (int i = 0; i < outH; i++)
                    {
                        int dst = dOff + p * h * w + ri[i] * w, src = go + (p * outH + i) * outW;
                        for (int j = 0; j < outW; j++) ds[dst + ci[j]] += gs[src + j];
                    }
            });
        });
    }

    /// <summary>Bilinear resize with align_corners = False (PyTorch's default): source coordinate (dst + ½)·in/out − ½, clamped at 0.</summary>
    public static Tensor UpsampleBilinear2d(Tensor x, int outH, int outW)
    {
        var (xc, n, c, h, w) = Planes(x, "UpsampleBilinear2d");
        if (outH < 1 || outW < 1) throw new ArgumentException($"UpsampleBilinear2d: output size {outH}×{outW} must be positive");
        var (r0, r1, rl) = LinearTaps(h, outH);
        var (c0, c1, cl) = LinearTaps(w, outW);
        var y = Tensor.Empty(n, c, outH, outW);
        var xs = xc.Storage.Array; int xo = xc.Offset; var ys = y.Storage.Array;
        Par.For(n * c, outH * outW, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                int b = xo + p * h * w;
                for (int i = 0; i < outH; i++)
                {
                    int a0 = b + r0[i] * w, a1 = b + r1[i] * w; float li = rl[i], ki = 1 - li;
                    int dst = (p * outH + i) * outW;
                    for (int j = 0; j < outW; j++)
                    {
                        float lj = cl[j], kj = 1 - lj;
                        ys[dst + j] = ki * (kj * xs[a0 + c0[j]] + lj * xs[a0 + c1[j]]) + li * (kj * xs[a1 + c0[j]] + lj * xs[a1 + c1[j]]);
                    }
                }
            }
        });
        if (!Tensor.NeedsGrad(xc)) return y;
        return y.WithGrad("UpsampleBilinear2d", new[] { xc }, g =>
        {
            var d = xc.GradSink(); var ds = d.Storage.Array; int dOff = d.Offset; var gs = g.Storage.Array; int go = g.Offset;
            Par.For(n * c, outH * outW, (p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                {
                    int b = dOff + p * h * w;
                    for (int i = 0; i < outH; i++)
                    {
                        int a0 = b + r0[i] * w, a1 = b + r1[i] * w; float li = rl[i], ki = 1 - li;
                        int src = go + (p * outH + i) * outW;
                        for (int j = 0; j < outW; j++)
                        {
                            float lj = cl[j], kj = 1 - lj, gv = gs[src + j];
                            ds[a0 + c0[j]] += ki * kj * gv; ds[a0 + c1[j]] += ki * lj * gv;
                            ds[a1 + c0[j]] += li * kj * gv; ds[a1 + c1[j]] += li * lj * gv;
                        }
                    }
                }
            });
        });
    }

    /// <summary>For each output index: the two source indices and the weight of the second (align_corners = False).</summary>
    private static (int[] I0, int[] I1, float[] Lambda) LinearTaps(int inSize, int outSize)
    {
        float scale = (float)inSize / outSize;
        var i0 = new int[outSize]; var i1 = new int[outSize]; var lam = new float[outSize];
        for (int o = 0; o < outSize; o++)
        {
            float src = Math.Max(scale * (o + 0.5f) - 0.5f, 0f);
            int a = Math.Min((int)src, inSize - 1);
            i0[o] = a; i1[o] = a < inSize - 1 ? a + 1 : a; lam[o] = src - a;
        }
        return (i0, i1, lam);
    }

    /// <summary>PyTorch's pixel_shuffle: (N, C·r², H, W) → (N, C, H·r, W·r).</summary>
    public static Tensor PixelShuffle(Tensor x, int r)
    {
        if (x.Rank != 4 || r < 1 || x.Shape[1] % (r * r) != 0) throw new ArgumentException($"PixelShuffle: input {ShapeUtil.Format(x.Shape)} needs channels divisible by {r}²");
        int n = x.Shape[0], c = x.Shape[1] / (r * r), h = x.Shape[2], w = x.Shape[3];
        return x.Reshape(n, c, r, r, h, w)              // (N, C, r, r, H, W)
                .Permute(0, 1, 4, 2, 5, 3)              // (N, C, H, r, W, r)
                .Reshape(n, c, h * r, w * r);           // (N, C, H·r, W·r)
    }

    /// <summary>PyTorch's pixel_unshuffle: (N, C, H·r, W·r) → (N, C·r², H, W).</summary>
    public static Tensor PixelUnshuffle(Tensor x, int r)
    {
        if (x.Rank != 4 || r < 1 || x.Shape[2] % r != 0 || x.Shape[3] % r != 0) throw new ArgumentException($"PixelUnshuffle: input {ShapeUtil.Format(x.Shape)} needs H and W divisible by {r}");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2] / r, w = x.Shape[3] / r;
        return x.Reshape(n, c, h, r, w, r)              // (N, C, H, r, W, r)
                .Permute(0, 1, 3, 5, 2, 4)              // (N, C, r, r, H, W)
                .Reshape(n, c * r * r, h, w);           // (N, C·r², H, W)
    }

    /// <summary>
    /// Cuts (N, C, H, W) into non-overlapping p×p patches in row-major order → (N, (H/p)·(W/p), C·p·p), each patch
    /// flattened as (C, p, p): the same order as a Conv2d with kernel = stride = p flattens its weight, so a Linear
    /// over these rows is ViT's patch embedding.
    /// </summary>
    public static Tensor Patchify(Tensor x, int p)
    {
        if (x.Rank != 4 || p < 1 || x.Shape[2] % p != 0 || x.Shape[3] % p != 0) throw new ArgumentException($"Patchify: input {ShapeUtil.Format(x.Shape)} needs H and W divisible by {p}");
        int n = x.Shape[0], c = x.Shape[1], gh = x.Shape[2] / p, gw = x.Shape[3] / p;
        return x.Reshape(n, c, gh, p, gw, p)            // (N, C, gh, p, gw, p)
                .Permute(0, 2, 4, 1, 3, 5)              // (N, gh, gw, C, p, p)
                .Reshape(n, gh * gw, c * p * p);        // (N, gh·gw, C·p·p)
    }

    /// <summary>The inverse of <see cref="Patchify"/>: (N, gh·gw, C·p·p) → (N, C, gh·p, gw·p).</summary>
    public static Tensor Unpatchify(Tensor x, int p, int gh, int gw)
    {
        if (x.Rank != 3 || x.Shape[1] != gh * gw || x.Shape[2] % (p * p) != 0) throw new ArgumentException($"Unpatchify: input {ShapeUtil.Format(x.Shape)} is not (N, {gh}·{gw}, C·{p}²)");
        int n = x.Shape[0], c = x.Shape[2] / (p * p);
        return x.Reshape(n, gh, gw, c, p, p)            // (N, gh, gw, C, p, p)
                .Permute(0, 3, 1, 4, 2, 5)              // (N, C, gh, p, gw, p)
                .Reshape(n, c, gh * p, gw * p);         // (N, C, H, W)
    }
}
