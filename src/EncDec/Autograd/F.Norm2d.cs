using EncDec.Tensors;

namespace EncDec.Autograd;

// Batch and group normalisation over (N, C, *) inputs, fused: one pass for the statistics, one for the output,
// and a backward that needs only x̂ and the per-segment sums.
public static partial class F
{
    /// <summary>
    /// Batch normalisation over (N, C, *): per channel, statistics over the batch and all positions. In training the
    /// batch statistics normalise (biased variance) and the running statistics, when given, move by
    /// <paramref name="momentum"/> (unbiased variance, as PyTorch); in evaluation the running statistics normalise.
    /// </summary>
    public static Tensor BatchNorm(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
                                   bool training, float momentum = 0.1f, float eps = 1e-5f)
    {
        if (x.Rank < 2) throw new ArgumentException($"BatchNorm: input {ShapeUtil.Format(x.Shape)} must be (N, C, …)");
        var xc = x.Contiguous();
        int n = x.Shape[0], c = x.Shape[1], s = x.Numel / Math.Max(1, n * c);
        long m = (long)n * s;
        if (!training && (runningMean is null || runningVar is null)) throw new ArgumentException("BatchNorm: evaluation needs running statistics");
        if (training && m <= 1) throw new ArgumentException($"BatchNorm: training needs more than one value per channel, input {ShapeUtil.Format(x.Shape)}");
        var xs = xc.Storage.Array; int xo = xc.Offset;
        var mean = new float[c]; var invStd = new float[c];
        if (training)
        {
            Par.For(c, (int)Math.Min(int.MaxValue, m), (c0, c1) =>
            {
                for (int ch = c0; ch < c1; ch++)
                {
                    double sum = 0;
                    for (int b = 0; b < n; b++) sum += TensorPrimitives.Sum(xs.AsSpan(xo + (b * c + ch) * s, s));
                    double mu = sum / m, sq = 0;
                    for (int b = 0; b < n; b++)
                    {
                        var row = xs.AsSpan(xo + (b * c + ch) * s, s);
                        for (int i = 0; i < row.Length; i++) { double d = row[i] - mu; sq += d * d; }
                    }
                    double var = sq / m;
                    mean[ch] = (float)mu; invStd[ch] = (float)(1.0 / Math.Sqrt(var + eps));
                    if (runningMean is not null && runningVar is not null)
                    {
                        var rm = runningMean.Span; var rv = runningVar.Span;
                        rm[ch] = (1 - momentum) * rm[ch] + momentum * (float)mu;
                        rv[ch] = (1 - momentum) * rv[ch] + momentum * (float)(sq / (m - 1));
                    }
                }
            });
        }
        else
        {
            var rm = runningMean!.ContiguousRaw().Span; var rv = runningVar!.ContiguousRaw().Span;
            for (int ch = 0; ch < c; ch++) { mean[ch] = rm[ch]; invStd[ch] = 1f / MathF.Sqrt(rv[ch] + eps); }
        }
        var wv = weight?.ContiguousRaw().ToArray(); var bv = bias?.ContiguousRaw().ToArray();
        var y = Tensor.Empty(x.Shape); var ys = y.Storage.Array;
        // y = (x − μ)·σ⁻¹·γ + β = x·scale + shift
        Par.For(n * c, s, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                int ch = p % c;
                float scale = invStd[ch] * (wv?[ch] ?? 1f), shift = (bv?[ch] ?? 0f) - mean[ch] * scale;
                var yr = ys.AsSpan(p * s, s);
                TensorPrimitives.Multiply(xs.AsSpan(xo + p * s, s), scale, yr);
                TensorPrimitives.Add(yr, shift, yr);
            }
        });
        var inputs = new[] { xc, weight, bias }.Where(t => t is not null).Cast<Tensor>().ToArray();
        if (!Tensor.NeedsGrad(inputs)) return y;
        return y.WithGrad("BatchNorm", inputs, g =>
        {
            var gs = g.Storage.Array; int go = g.Offset;
            var sumG = new double[c]; var sumGX = new double[c];     // Σ g and Σ g·x̂ per channel
            Par.For(c, (int)Math.Min(int.MaxValue, m), (c0, c1) =>
            {
                for (int ch = c0; ch < c1; ch++)
                {
                    double sg = 0, sgx = 0; float mu = mean[ch], istd = invStd[ch];
                    for (int b = 0; b < n; b++)
                    {
                        int o = (b * c + ch) * s;
                        for (int i = 0; i < s; i++) { float gv = gs[go + o + i]; sg += gv; sgx += gv * (xs[xo + o + i] - mu) * istd; }
                    }
                    sumG[ch] = sg; sumGX[ch] = sgx;
                }
            });
            if (weight is not null && weight.RequiresGrad) { var d = weight.GradSink().Span; for (int ch = 0; ch < c; ch++) d[ch] += (float)sumGX[ch]; }
            if (bias is not null && bias.RequiresGrad) { var d = bias.GradSink().Span; for (int ch = 0; ch < c; ch++) d[ch] += (float)sumG[ch]; }
            if (!xc.RequiresGrad) return;
            var dx = Tensor.Empty(x.Shape); var dxs = dx.Storage.Array;
            Par.For(n * c, s, (p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                {
                    int ch = p % c, o = p * s;
                    float gamma = wv?[ch] ?? 1f, istd = invStd[ch], mu = mean[ch];
                    if (!training)
                    {
                        for (int i = 0; i < s; i++) dxs[o + i] = gs[go + o + i] * gamma * istd;
                        continue;
                    }
                    // dx = γσ⁻¹ (g − mean(g) − x̂·mean(g·x̂))
                    float mg = (float)(sumG[ch] / m), mgx = (float)(sumGX[ch] / m);
                    for (int i = 0; i < s; i++)
                    {
                        float xh = (xs[xo + o + i] - mu) * istd;
                        dxs[o + i] = gamma * istd * (gs[go + o + i] - mg - xh * mgx);
                    }
                }
            });
            xc.AccumulateGrad(dx, owned: true);
        });
    }

    /// <summary>Group normalisation over (N, C, *): <paramref name="groups"/> groups of C/groups channels, each normalised over its channels and positions; per-channel affine.</summary>
    public static Tensor GroupNorm(Tensor x, int groups, Tensor? weight, Tensor? bias, float eps = 1e-5f)
    {
        if (x.Rank < 2) throw new ArgumentException($"GroupNorm: input {ShapeUtil.Format(x.Shape)} must be (N, C, …)");
        int n = x.Shape[0], c = x.Shape[1], s = x.Numel / Math.Max(1, n * c);
        if (groups < 1 || c % groups != 0) throw new ArgumentException($"GroupNorm: {c} channels do not split into {groups} groups");
        var xc = x.Contiguous();
        int cg = c / groups, seg = cg * s, segs = n * groups;
        var xs = xc.Storage.Array; int xo = xc.Offset;
        var mean = new float[segs]; var invStd = new float[segs];
        Par.For(segs, seg, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                var row = xs.AsSpan(xo + p * seg, seg);
                double mu = 0; foreach (var v in row) mu += v; mu /= seg;
                double sq = 0; foreach (var v in row) { double d = v - mu; sq += d * d; }
                mean[p] = (float)mu; invStd[p] = (float)(1.0 / Math.Sqrt(sq / seg + eps));
            }
        });
        var wv = weight?.ContiguousRaw().ToArray(); var bv = bias?.ContiguousRaw().ToArray();
        var y = Tensor.Empty(x.Shape); var ys = y.Storage.Array;
        Par.For(n * c, s, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                int ch = p % c, sg = (p / c) * groups + ch / cg;
                float scale = invStd[sg] * (wv?[ch] ?? 1f), shift = (bv?[ch] ?? 0f) - mean[sg] * scale;
                var yr = ys.AsSpan(p * s, s);
                TensorPrimitives.Multiply(xs.AsSpan(xo + p * s, s), scale, yr);
                TensorPrimitives.Add(yr, shift, yr);
            }
        });
        var inputs = new[] { xc, weight, bias }.Where(t => t is not null).Cast<Tensor>().ToArray();
        if (!Tensor.NeedsGrad(inputs)) return y;
        return y.WithGrad("GroupNorm", inputs, g =>
        {
            var gs = g.Storage.Array; int go = g.Offset;
            // per channel of each sample: Σ g and Σ g·x̂ (for the affine gradients and, weighted by γ, the input's)
            var chG = new double[n * c]; var chGX = new double[n * c];
            Par.For(n * c, s, (p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                {
                    int sg = (p / c) * groups + (p % c) / cg;
                    double a = 0, b = 0; float mu = mean[sg], istd = invStd[sg];
                    for (int i = 0; i < s; i++) { float gv = gs[go + p * s + i]; a += gv; b += gv * (xs[xo + p * s + i] - mu) * istd; }
                    chG[p] = a; chGX[p] = b;
                }
            });
            if (weight is not null && weight.RequiresGrad) { var d = weight.GradSink().Span; for (int p = 0; p < n * c; p++) d[p % c] += (float)chGX[p]; }
            if (bias is not null && bias.RequiresGrad) { var d = bias.GradSink().Span; for (int p = 0; p < n * c; p++) d[p % c] += (float)chG[p]; }
            if (!xc.RequiresGrad) return;
            var dx = Tensor.Empty(x.Shape); var dxs = dx.Storage.Array;
            Par.For(segs, seg, (p0, p1) =>
            {
                for (int sgi = p0; sgi < p1; sgi++)
                {
                    int b = sgi / groups, gi = sgi % groups;
                    // with d = γ·g: dx = σ⁻¹ (d − mean(d) − x̂·mean(d·x̂)) over the group
                    double sd = 0, sdx = 0;
                    for (int cc = 0; cc < cg; cc++)
                    {
                        int ch = gi * cg + cc; float gamma = wv?[ch] ?? 1f;
                        sd += gamma * chG[b * c + ch]; sdx += gamma * chGX[b * c + ch];
                    }
                    float md = (float)(sd / seg), mdx = (float)(sdx / seg), mu = mean[sgi], istd = invStd[sgi];
                    for (int cc = 0; cc < cg; cc++)
                    {
                        int ch = gi * cg + cc, o = (b * c + ch) * s; float gamma = wv?[ch] ?? 1f;
                        for (int i = 0; i < s; i++)
                        {
                            float xh = (xs[xo + o + i] - mu) * istd;
                            dxs[o + i] = istd * (gamma * gs[go + o + i] - md - xh * mdx);
                        }
                    }
                }
            });
            xc.AccumulateGrad(dx, owned: true);
        });
    }
}
