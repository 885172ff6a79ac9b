using EncDec.Tensors;

namespace EncDec.Autograd;

public static partial class F
{
    /// <summary>
    /// Connectionist temporal classification loss (Graves et al. 2006) over unnormalised <paramref name="logits"/>
    /// (N, T, C): a log-softmax over C, then the forward-backward recursions in log space (double precision) over the
    /// targets interleaved with <paramref name="blank"/>. Row b uses its first <paramref name="inputLengths"/>[b] frames
    /// and the label sequence <paramref name="targets"/>[b] (no blanks). Equals
    /// <c>torch.nn.functional.ctc_loss(logits.log_softmax(-1).transpose(0, 1), …)</c>: <see cref="Reduction.Mean"/>
    /// divides each row's loss by its target length (at least 1) and averages over rows, <see cref="Reduction.Sum"/>
    /// adds them, <see cref="Reduction.None"/> returns (N). With <paramref name="zeroInfinity"/> a row that no
    /// alignment fits (too few frames) costs 0 and gets no gradient, instead of +∞.
    /// The gradient to the logits is softmax − the posterior occupancy of each class, computed in the forward pass.
    /// </summary>
    public static Tensor CtcLoss(Tensor logits, int[] inputLengths, IReadOnlyList<int[]> targets, int blank,
                                 Reduction reduction = Reduction.Mean, bool zeroInfinity = false)
    {
        if (logits.Rank != 3) throw new ArgumentException($"ctc_loss: expected logits (N, T, C), got {ShapeUtil.Format(logits.Shape)}");
        int n = logits.Shape[0], tMax = logits.Shape[1], c = logits.Shape[2];
        if (inputLengths.Length != n || targets.Count != n)
            throw new ArgumentException($"ctc_loss: {n} rows but {inputLengths.Length} input lengths and {targets.Count} targets");
        if ((uint)blank >= (uint)c) throw new ArgumentOutOfRangeException(nameof(blank), $"ctc_loss: blank {blank} out of range for {c} classes");
        for (int b = 0; b < n; b++)
        {
            if (inputLengths[b] < 0 || inputLengths[b] > tMax) throw new ArgumentException($"ctc_loss: input length {inputLengths[b]} of row {b} outside [0, {tMax}]");
            foreach (int k in targets[b])
                if ((uint)k >= (uint)c || k == blank) throw new ArgumentException($"ctc_loss: target {k} of row {b} is the blank or out of range for {c} classes");
        }
        var lc = logits.ContiguousRaw();
        bool needGrad = Tensor.NeedsGrad(logits);
        var grad = needGrad ? Tensor.Zeros(n, tMax, c) : null;                 // (N, T, C), unscaled d(loss_b)/d(logits)
        var losses = new double[n];
        Par.For(n, tMax * c * 4, (b0, b1) =>
        {
            for (int b = b0; b < b1; b++)
                losses[b] = CtcRow(lc.Span.Slice(b * tMax * c, tMax * c), inputLengths[b], targets[b], c, blank, zeroInfinity,
                                   grad is null ? default : grad.Span.Slice(b * tMax * c, tMax * c));
        });
        if (!ReferenceEquals(lc.Storage, logits.Storage)) lc.Storage.ReleaseIfTracked();
        // each row's weight in the reduced loss
        var weight = new float[n];
        for (int b = 0; b < n; b++) weight[b] = reduction == Reduction.Mean ? 1f / (Math.Max(1, targets[b].Length) * n) : 1f;
        Tensor result = reduction switch
        {
            Reduction.None => Tensor.FromArray(losses.Select(l => (float)l).ToArray(), n),
            _ => Tensor.Scalar((float)Enumerable.Range(0, n).Sum(b => losses[b] * weight[b])),
        };
        if (grad is null) return result;
        bool consumed = false;
        return result.WithGrad("CtcLoss", new[] { logits }, g =>
        {
            if (consumed) throw new InvalidOperationException("ctc_loss: backward ran twice through the same graph; compute the loss again");
            consumed = true;
            var gv = g.ToArray();
            var ds = grad.Span;
            for (int b = 0; b < n; b++)
            {
                float sc = reduction == Reduction.None ? gv[b] : gv[0] * weight[b];
                var row = ds.Slice(b * tMax * c, tMax * c);
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, sc, row);
            }
            logits.AccumulateGrad(grad, owned: true);
        });
    }

    /// <summary>One row: logits (T, C) row-major → −log p(target | x), writing d(−log p)/d(logits) into <paramref name="grad"/> when it is not empty.</summary>
    private static double CtcRow(ReadOnlySpan<float> logits, int frames, int[] target, int c, int blank, bool zeroInfinity, Span<float> grad)
    {
        int l = target.Length, s = 2 * l + 1;
        // log-softmax of the used frames (T, C)
        var lp = new double[frames * c];
        for (int t = 0; t < frames; t++)
        {
            var x = logits.Slice(t * c, c);
            double max = double.NegativeInfinity;
            for (int k = 0; k < c; k++) max = Math.Max(max, x[k]);
            double sum = 0;
            for (int k = 0; k < c; k++) sum += Math.Exp(x[k] - max);
            double lse = max + Math.Log(sum);
            for (int k = 0; k < c; k++) lp[t * c + k] = x[k] - lse;
        }
        // extended labels: blank, y1, blank, y2, …, blank; a skip from s − 2 is allowed onto a label that differs from the one before
        var ext = new int[s];
        var skip = new bool[s];
        for (int i = 0; i < s; i++)
        {
            ext[i] = i % 2 == 0 ? blank : target[i / 2];
            skip[i] = i % 2 == 1 && i >= 3 && target[i / 2] != target[i / 2 - 1];
        }
        double logP = double.NegativeInfinity;
        var alpha = new double[Math.Max(frames, 1) * s];
        var beta = new double[Math.Max(frames, 1) * s];
        if (frames > 0)
        {
            Array.Fill(alpha, double.NegativeInfinity);
            Array.Fill(beta, double.NegativeInfinity);
            alpha[0] = lp[ext[0]];
            if (s > 1) alpha[1] = lp[ext[1]];
            for (int t = 1; t < frames; t++)
                for (int i = 0; i < s; i++)
                {
                    int prev = (t - 1) * s;
                    double a = alpha[prev + i];
                    if (i >= 1) a = LogAdd(a, alpha[prev + i - 1]);
                    if (skip[i]) a = LogAdd(a, alpha[prev + i - 2]);
                    alpha[t * s + i] = a + lp[t * c + ext[i]];
                }
            int last = (frames - 1) * s;
            beta[last + s - 1] = lp[(frames - 1) * c + ext[s - 1]];
            if (s > 1) beta[last + s - 2] = lp[(frames - 1) * c + ext[s - 2]];
            for (int t = frames - 2; t >= 0; t--)
                for (int i = 0; i < s; i++)
                {
                    int next = (t + 1) * s;
                    double v = beta[next + i];
                    if (i + 1 < s) v = LogAdd(v, beta[next + i + 1]);
                    if (i + 2 < s && skip[i + 2]) v = LogAdd(v, beta[next + i + 2]);
                    beta[t * s + i] = v + lp[t * c + ext[i]];
                }
            logP = alpha[last + s - 1];
            if (s > 1) logP = LogAdd(logP, alpha[last + s - 2]);
        }
        if (double.IsNegativeInfinity(logP))
        {
            if (zeroInfinity) return 0;
            if (!grad.IsEmpty) grad.Slice(0, frames * c).Fill(float.NaN);
            return double.PositiveInfinity;
        }
        if (grad.IsEmpty) return -logP;
        // d(−log p)/d(logit[t, k]) = softmax[t, k] − Σ_{i: ext[i] = k} exp(α_t(i) + β_t(i) − lp[t, ext[i]] − log p)
        var occ = new double[c];
        for (int t = 0; t < frames; t++)
        {
            Array.Fill(occ, double.NegativeInfinity);
            for (int i = 0; i < s; i++)
            {
                double ab = alpha[t * s + i] + beta[t * s + i] - lp[t * c + ext[i]];
                occ[ext[i]] = LogAdd(occ[ext[i]], ab);
            }
            for (int k = 0; k < c; k++)
                grad[t * c + k] = (float)(Math.Exp(lp[t * c + k]) - Math.Exp(occ[k] - logP));
        }
        return -logP;
    }

    private static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        return a > b ? a + Math.Log(1 + Math.Exp(b - a)) : b + Math.Log(1 + Math.Exp(a - b));
    }
}
