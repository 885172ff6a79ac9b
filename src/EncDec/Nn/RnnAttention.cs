using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>Luong's score functions: dot qᵀk, general qᵀW k, concat vᵀ tanh(W [q; k]).</summary>
public enum LuongScore { Dot, General, Concat }

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

/// <summary>
/// Additive (Bahdanau) attention: score_s = vᵀ tanh(W_q q + W_k k_s). Parameters <c>query_proj</c> (no bias),
/// <c>key_proj</c> (with bias) and <c>v</c> (no bias). Stateless: a decoder may project the encoder outputs once
/// with <see cref="ProjectKeys"/> and pass the result to every step.
/// </summary>
public sealed class BahdanauAttention : Module
{
    public Linear QueryProj { get; }
    public Linear KeyProj { get; }
    public Linear V { get; }

    public BahdanauAttention(int queryDim, int keyDim, int attnDim, Rng? rng = null)
    {
        QueryProj = new Linear(queryDim, attnDim, bias: false, rng: rng);
        KeyProj = new Linear(keyDim, attnDim, bias: true, rng: rng);
        V = new Linear(attnDim, 1, bias: false, rng: rng);
    }

    /// <summary>W_k k for every source position: keys (B, S, H_k) → (B, S, A).</summary>
    public Tensor ProjectKeys(Tensor keys) => KeyProj.Forward(keys);

    /// <summary>
    /// query (B, H_q), keys = values (B, S, H_k), padMask (B, S) nonzero = padding, optional
    /// <paramref name="projectedKeys"/> from <see cref="ProjectKeys"/> → (context (B, H_k), weights (B, S)).
    /// </summary>
    public (Tensor Context, Tensor Weights) Forward(Tensor query, Tensor keys, Tensor? padMask = null, Tensor? projectedKeys = null)
    {
        RnnAttentionF.CheckShapes(query, keys, padMask);
        var pk = projectedKeys ?? ProjectKeys(keys);                 // (B, S, A)
        var q = QueryProj.Forward(query).Unsqueeze(1);                // (B, 1, A)
        var e = (pk + q).Tanh();                                      // (B, S, A)
        var scores = V.Forward(e).Reshape(keys.Shape[0], keys.Shape[1]);   // (B, S, 1) → (B, S)
        var w = RnnAttentionF.MaskedSoftmax(scores, padMask);
        return (RnnAttentionF.Context(w, keys), w);
    }
}

/// <summary>
/// Multiplicative (Luong) attention with a <see cref="LuongScore"/>: dot needs H_q = H_k; general has
/// <c>proj</c> (H_q, H_k) without bias; concat has <c>proj</c> (A, H_q + H_k) and <c>v</c> (1, A), both without bias.
/// </summary>
public sealed class LuongAttention : Module
{
    public LuongScore Score { get; }
    public Linear? Proj { get; }
    public Linear? V { get; }

    /// <param name="attnDim">Hidden size of the concat score (ignored otherwise).</param>
    public LuongAttention(LuongScore score, int queryDim, int keyDim, int attnDim = 0, Rng? rng = null)
    {
        Score = score;
        switch (score)
        {
            case LuongScore.Dot:
                if (queryDim != keyDim) throw new ArgumentException($"dot attention needs equal query and key sizes, got {queryDim} and {keyDim}");
                break;
            case LuongScore.General:
                Proj = new Linear(keyDim, queryDim, bias: false, rng: rng);
                break;
            case LuongScore.Concat:
                if (attnDim < 1) throw new ArgumentOutOfRangeException(nameof(attnDim), "concat attention needs attnDim > 0");
                Proj = new Linear(queryDim + keyDim, attnDim, bias: false, rng: rng);
                V = new Linear(attnDim, 1, bias: false, rng: rng);
                break;
        }
    }

    /// <summary>query (B, H_q), keys = values (B, S, H_k), padMask (B, S) nonzero = padding → (context (B, H_k), weights (B, S)).</summary>
    public (Tensor Context, Tensor Weights) Forward(Tensor query, Tensor keys, Tensor? padMask = null)
    {
        RnnAttentionF.CheckShapes(query, keys, padMask);
        int bsz = keys.Shape[0], s = keys.Shape[1];
        Tensor scores;
        switch (Score)
        {
            case LuongScore.Dot:
                scores = keys.MatMul(query.Unsqueeze(2)).Reshape(bsz, s);    // (B, S, H)·(B, H, 1) → (B, S, 1) → (B, S)
                break;
            case LuongScore.General:
                var qw = query.MatMul(Proj!.Weight);                          // (B, H_k) = qᵀW
                scores = keys.MatMul(qw.Unsqueeze(2)).Reshape(bsz, s);       // (B, S, H_k)·(B, H_k, 1) → (B, S, 1) → (B, S)
                break;
            default:
                var qe = query.Unsqueeze(1).Expand(bsz, s, query.Shape[1]);
                var e = Proj!.Forward(F.Concat(new[] { qe, keys }, 2)).Tanh();  // (B, S, A)
                scores = V!.Forward(e).Reshape(bsz, s);                        // (B, S, 1) → (B, S)
                break;
        }
        var w = RnnAttentionF.MaskedSoftmax(scores, padMask);
        return (RnnAttentionF.Context(w, keys), w);
    }
}
