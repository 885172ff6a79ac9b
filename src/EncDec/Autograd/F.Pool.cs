using EncDec.Tensors;

namespace EncDec.Autograd;

// 2-D pooling over (N, C, H, W), one plane per work item. Output sizes round down (PyTorch's ceil_mode = False).
public static partial class F
{
    /// <summary>Max pooling; <paramref name="stride"/> defaults to the kernel size, padding counts as −∞. The gradient goes to the first maximum of each window.</summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int? stride = null, int padding = 0)
        => MaxPool2d(x, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding));

    public static Tensor MaxPool2d(Tensor x, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding)
    {
        var (xc, n, c, h, w) = Planes(x, "MaxPool2d");
        CheckPool(kernel, stride, padding, "MaxPool2d");
        int ho = (h + 2 * padding.H - kernel.H) / stride.H + 1, wo = (w + 2 * padding.W - kernel.W) / stride.W + 1;
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"MaxPool2d: kernel {kernel} does not fit input {h}×{w}");
        var y = Tensor.Empty(n, c, ho, wo);
        var arg = new int[n * c * ho * wo];
        var xs = xc.Storage.Array; int xo = xc.Offset; var ys = y.Storage.Array;
        Par.For(n * c, h * w, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                int ib = xo + p * h * w, ob = p * ho * wo;
                for (int oh = 0; oh < ho; oh++)
                    for (int ow = 0; ow < wo; ow++)
                    {
                        int h0 = oh * stride.H - padding.H, w0 = ow * stride.W - padding.W;
                        float best = float.NegativeInfinity; int bi = -1;
                        for (int i = Math.Max(0, h0); i < Math.Min(h, h0 + kernel.H); i++)
                            for (int j = Math.Max(0, w0); j < Math.Min(w, w0 + kernel.W); j++)
                            {
                                float v = xs[ib + i * w + j];
                                if (bi < 0 || v > best || float.IsNaN(v) && !float.IsNaN(best)) { best = v; bi = i * w + j; }
                            }
                        ys[ob + oh * wo + ow] = best; arg[ob + oh * wo + ow] = bi;
                    }
            }
        });
        if (!Tensor.NeedsGrad(xc)) return y;
        return y.WithGrad("MaxPool2d", new[] { xc }, g =>
        {
            var d = xc.GradSink(); var da = d.Storage.Array; int dOff = d.Offset; var ga = g.Storage.Array; int gOff = g.Offset;
            Par.For(n * c, ho * wo, (p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                {
                    int db = dOff + p * h * w;
                    for (int q = p * ho * wo; q < (p + 1) * ho * wo; q++) da[db + arg[q]] += ga[gOff + q];
                }
            });
        });
    }

    /// <summary>Average pooling with zero padding counted in the divisor (PyTorch's count_include_pad = True).</summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int? stride = null, int padding = 0)
    {
        var (_, _, _, h, w) = Planes(x, "AvgPool2d");
        int s = stride ?? kernel;
        CheckPool((kernel, kernel), (s, s), (padding, padding), "AvgPool2d");
        int ho = (h + 2 * padding - kernel) / s + 1, wo = (w + 2 * padding - kernel) / s + 1;
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"AvgPool2d: kernel {kernel} does not fit input {h}×{w}");
        return WindowAverage(x, ho, wo, "AvgPool2d",
            i => (i * s - padding, i * s - padding + kernel), j => (j * s - padding, j * s - padding + kernel), kernel * kernel);
    }

    /// <summary>Adaptive average pooling to (<paramref name="outH"/>, <paramref name="outW"/>): window i spans [⌊i·H/Ho⌋, ⌈(i+1)·H/Ho⌉).</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor x, int outH, int outW)
    {
        var (_, _, _, h, w) = Planes(x, "AdaptiveAvgPool2d");
        if (outH < 1 || outW < 1) throw new ArgumentException($"AdaptiveAvgPool2d: output size {outH}×{outW} must be positive");
        return WindowAverage(x, outH, outW, "AdaptiveAvgPool2d",
            i => (i * h / outH, ((i + 1) * h + outH - 1) / outH), j => (j * w / outW, ((j + 1) * w + outW - 1) / outW), 0);
    }

    /// <summary>Mean over windows [r0, r1) × [c0, c1) clipped to the image; divisor fixed (&gt; 0) or the window's clipped area (0).</summary>
    private static Tensor WindowAverage(Tensor x, int ho, int wo, string name, Func<int, (int, int)> rows, Func<int, (int, int)> cols, int divisor)
    {
        var (xc, n, c, h, w) = Planes(x, name);
        var rw = Enumerable.Range(0, ho).Select(rows).ToArray();
        var cw = Enumerable.Range(0, wo).Select(cols).ToArray();
        var inv = new float[ho * wo];
        for (int i = 0; i < ho; i++)
            for (int j = 0; j < wo; j++)
            {
                int area = divisor > 0 ? divisor : (rw[i].Item2 - rw[i].Item1) * (cw[j].Item2 - cw[j].Item1);
                inv[i * wo + j] = 1f / area;
            }
        var y = Tensor.Empty(n, c, ho, wo);
        var xs = xc.Storage.Array; int xo = xc.Offset; var ys = y.Storage.Array;
        Par.For(n * c, h * w, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                int ib = xo + p * h * w, ob = p * ho * wo;
                for (int i = 0; i < ho; i++)
                    for (int j = 0; j < wo; j++)
                    {
                        float sum = 0f;
                        for (int a = Math.Max(0, rw[i].Item1); a < Math.Min(h, rw[i].Item2); a++)
                            for (int b = Math.Max(0, cw[j].Item1); b < Math.Min(w, cw[j].Item2); b++) sum += xs[ib + a * w + b];
                        ys[ob + i * wo + j] = sum * inv[i * wo + j];
                    }
            }
        });
        if (!Tensor.NeedsGrad(xc)) return y;
        return y.WithGrad(name, new[] { xc }, g =>
        {
            var sink = xc.GradSink(); var ds = sink.Storage.Array; int dOff = sink.Offset; var gs = g.Storage.Array; int go = g.Offset;
            Par.For(n * c, h * w, (p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                {
                    int ib = dOff + p * h * w, ob = go + p * ho * wo;
                    for (int i = 0; i < ho; i++)
                        for (int j = 0; j < wo; j++)
                        {
                            float v = gs[ob + i * wo + j] * inv[i * wo + j];
                            for (int a = Math.Max(0, rw[i].Item1); a < Math.Min(h, rw[i].Item2); a++)
                                for (int b = Math.Max(0, cw[j].Item1); b < Math.Min(w, cw[j].Item2); b++) ds[ib + a * w + b] += v;
                        }
                }
            });
        });
    }

    private static (Tensor Xc, int N, int C, int H, int W) Planes(Tensor x, string op)
    {
        if (x.Rank != 4) throw new ArgumentException($"{op}: input {ShapeUtil.Format(x.Shape)} must be (N, C, H, W)");
        return (x.Contiguous(), x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]);
    }

    private static void CheckPool((int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, string op)
    {
        if (kernel.H < 1 || kernel.W < 1 || stride.H < 1 || stride.W < 1) throw new ArgumentException($"{op}: kernel {kernel} and stride {stride} must be positive");
        if (padding.H < 0 || padding.W < 0 || 2 * padding.H > kernel.H || 2 * padding.W > kernel.W)
            throw new ArgumentException($"{op}: padding {padding} must be at most half the kernel {kernel}");
    }
}
