using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>Helpers shared by the RNN-decoder attention modules.</summary>
public static class RnnAttentionF
{
    /// <summary>
    /// Softmax over the last dim of <paramref name="scores"/> (B, S) ignoring positions where <paramref name="padMask"/>
    /// (B, S) is nonzero; those get weight 0. A row with every position masked gets all-zero weights (never NaN).
    /// </summary>
    public static Tensor MaskedSoftmax(Tensor scores, Tensor? padMask)
    {
        if (scores.Rank != 2) throw new ArgumentException($"MaskedSoftmax: scores {ShapeUtil.Format(scores.Shape)} is not (B, S)");
        if (padMask is not null && !ShapeUtil.SameShape(padMask.Shape, scores.Shape))
            throw new ArgumentException($"MaskedSoftmax: mask {ShapeUtil.Format(padMask.Shape)} does not match scores {ShapeUtil.Format(scores.Shape)}");
        int rows = scores.Shape[0], n = scores.Shape[1];
        var xs = scores.ContiguousRaw().Span;
        var ms = padMask is null ? default : padMask.ContiguousRaw().Span;
        var p = Tensor.Empty(rows, n);
        var ps = p.Span;
        for (int r = 0; r < rows; r++)
        {
            var x = xs.Slice(r * n, n); var y = ps.Slice(r * n, n);
            float max = float.NegativeInfinity;
            for (int j = 0; j < n; j++) if ((ms.IsEmpty || ms[r * n + j] == 0) && x[j] > max) max = x[j];
            if (float.IsNegativeInfinity(max)) { y.Clear(); continue; }
            float sum = 0;
            for (int j = 0; j < n; j++)
            {
                float e = ms.IsEmpty || ms[r * n + j] == 0 ? MathF.Exp(x[j] - max) : 0f;
                y[j] = e; sum += e;
            }
            TensorPrimitives.Multiply(y, 1f / sum, y);
        }
        if (!Tensor.NeedsGrad(scores)) return p;
        return p.WithGrad("MaskedSoftmax", new[] { scores }, g =>
        {
            var d = Tensor.Empty(rows, n);
            var gs = g.Span; var ds = d.Span; var pv = p.Span;
            for (int r = 0; r < rows; r++)
            {
                var pr = pv.Slice(r * n, n); var gr = gs.Slice(r * n, n); var dr = ds.Slice(r * n, n);
                float dot = TensorPrimitives.Dot(pr, gr);
                TensorPrimitives.Subtract(gr, dot, dr);
                TensorPrimitives.Multiply(dr, pr, dr);
            }
            scores.AccumulateGrad(d);
        });
    }

    /// <summary>weights (B, S) · values (B, S, H) → context (B, H).</summary>
    internal static Tensor Context(Tensor weights, Tensor values)
        => weights.Unsqueeze(1).MatMul(values).Reshape(values.Shape[0], values.Shape[2]);   // (B, 1, S)·(B, S, H) → (B, 1, H) → (B, H)

    internal static void CheckShapes(Tensor query, Tensor keys, Tensor? mask)
    {
        if (query.Rank != 2 || keys.Rank != 3 || keys.Shape[0] != query.Shape[0])
            throw new ArgumentException($"attention: query {ShapeUtil.Format(query.Shape)} must be (B, H_q) and keys {ShapeUtil.Format(keys.Shape)} (B, S, H_k)");
        if (mask is not null && (mask.Rank != 2 || mask.Shape[0] != keys.Shape[0] || mask.Shape[1] != keys.Shape[1]))
            throw new ArgumentException($"attention: mask {ShapeUtil.Format(mask.Shape)} is not ({keys.Shape[0]}, {keys.Shape[1]})");
    }
}
