using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// Scaled dot-product attention, fused (one autograd node with its own backward) and composed from primitive
/// ops (the reference the fused kernel is tested against, and the path that also returns differentiable
/// attention probabilities). Layout: q (B, H, Tq, Dh), k and v (B, H, Tk, Dh); any strides.
/// <para>
/// Masking: <c>mask</c> is additive (−∞ blocks a key) and broadcastable to (B, H, Tq, Tk); it receives no
/// gradient. <c>causal</c> blocks key j for query i when j &gt; i + (Tk − Tq), i.e. the queries are the last Tq
/// positions of the keys (bottom-right aligned; identical to PyTorch's top-left causal mask when Tq = Tk, and
/// what incremental decoding with a cache needs). A query row whose keys are all blocked yields zero
/// probabilities and a zero output (PyTorch yields NaN there), so padded rows never poison a batch.
/// </para>
/// </summary>
public static class Attention
{
    /// <summary>
    /// Fused softmax(q·kᵀ·scale + mask)·v → (B, H, Tq, Dh). Dropout (with probability <paramref name="dropoutP"/>,
    /// only when <paramref name="training"/>) is applied to the probabilities. The backward recomputes nothing:
    /// it keeps the probabilities (B·H·Tq·Tk floats) and the dropout mask.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? mask = null, bool causal = false,
                                                   float dropoutP = 0f, bool training = false, Rng? rng = null, float? scale = null)
    {
        CheckShapes(q, k, v);
        int b = q.Shape[0], h = q.Shape[1], tq = q.Shape[2], dh = q.Shape[3], tk = k.Shape[2];
        float sc = scale ?? 1f / MathF.Sqrt(dh);

        var scores = MatMulKernel.Forward(q, k.TransposeRaw(-2, -1));     // (B, H, Tq, Tk)
        int rows = b * h * tq;
        var (mArr, mOff, mSb, mSh, mSq, mSk) = MaskLayout(mask, b, h, tq, tk);
        int shift = tk - tq;
        Par.For(rows, tk, (r0, r1) =>
        {
            var ps = scores.Span;
            for (int r = r0; r < r1; r++)
            {
                int i = r % tq, bh = r / tq, hh = bh % h, bb = bh / h;
                var row = ps.Slice(r * tk, tk);
                TensorPrimitives.Multiply(row, sc, row);
                if (mArr is not null)
                {
                    int o = mOff + bb * mSb + hh * mSh + i * mSq;
                    if (mSk == 1) TensorPrimitives.Add(row, new ReadOnlySpan<float>(mArr, o, tk), row);
                    else for (int j = 0; j < tk; j++) row[j] += mArr[o + j * mSk];
                }
                if (causal) for (int j = Math.Max(i + shift + 1, 0); j < tk; j++) row[j] = float.NegativeInfinity;
                SafeSoftmaxInPlace(row);
            }
        });
        var probs = scores;                                                  // (B, H, Tq, Tk), pre-dropout

        Tensor? dropMask = null;
        var used = probs;
        if (training && dropoutP > 0f)
        {
            dropMask = DropoutMask(probs.Shape, dropoutP, rng ?? Rng.Global);
            used = Tensor.Empty(probs.Shape);
            TensorPrimitives.Multiply(probs.Span, dropMask.Span, used.Span);
        }
        var output = MatMulKernel.Forward(used, v);                         // (B, H, Tq, Tk)·(B, H, Tk, Dh) → (B, H, Tq, Dh)
        if (!Tensor.NeedsGrad(new[] { q, k, v })) return output;

        return output.WithGrad("ScaledDotProductAttention", new[] { q, k, v }, g =>
        {
            // g = dO (B, H, Tq, Dh)
            if (v.RequiresGrad) v.AccumulateGrad(MatMulKernel.Forward(used.TransposeRaw(-2, -1), g), owned: true); // Pᵀ·dO → (B, H, Tk, Dh)
            if (!q.RequiresGrad && !k.RequiresGrad) return;
            var dp = MatMulKernel.Forward(g, v.TransposeRaw(-2, -1));        // dO·Vᵀ → (B, H, Tq, Tk)
            Par.For(rows, tk, (r0, r1) =>
            {
                var ds = dp.Span; var pv = probs.Span;
                var dm = dropMask is null ? default : dropMask.Span;
                for (int r = r0; r < r1; r++)
                {
                    // softmax backward: dS = P ⊙ (dP − Σ dP ⊙ P), then the scale
                    var pr = pv.Slice(r * tk, tk); var dr = ds.Slice(r * tk, tk);
                    if (dropMask is not null) TensorPrimitives.Multiply(dr, dm.Slice(r * tk, tk), dr);
                    float dot = TensorPrimitives.Dot(pr, dr);
                    TensorPrimitives.Subtract(dr, dot, dr);
                    TensorPrimitives.Multiply(dr, pr, dr);
                    TensorPrimitives.Multiply(dr, sc, dr);
                }
            });
            if (q.RequiresGrad) q.AccumulateGrad(MatMulKernel.Forward(dp, k), owned: true);                          // dS·K → (B, H, Tq, Dh)
            if (k.RequiresGrad) k.AccumulateGrad(MatMulKernel.Forward(dp.TransposeRaw(-2, -1), q), owned: true);     // dSᵀ·Q → (B, H, Tk, Dh)
        }, SavedValues.Inputs);
    }

    /// <summary>
    /// Inference kernel for one query per (batch, head), as in incremental decoding: q (B, H, 1, Dh), k and v
    /// (B, H, Tk, Dh) with any strides (e.g. windows of a cache buffer; read in place, never copied when Dh is
    /// unit-stride), <paramref name="keyPaddingMask"/> (B, Tk) nonzero = masked → contiguous (B, H, 1, Dh).
    /// When <paramref name="headMeanWeights"/> (contiguous (B, Tk), zeroed by the caller) is given, the
    /// probabilities averaged over heads are added to it. No autograd, no dropout; fully masked rows give zeros.
    /// </summary>
    internal static Tensor SingleQueryAttention(Tensor q, Tensor k, Tensor v, Tensor? keyPaddingMask = null, Tensor? headMeanWeights = null, float? scale = null)
    {
        CheckShapes(q, k, v);
        return SingleQueryAttention(q, k, v, k.Shape[2], null, keyPaddingMask, headMeanWeights, scale);
    }

    /// <summary>
    /// <see cref="SingleQueryAttention(Tensor, Tensor, Tensor, Tensor?, Tensor?, float?)"/> over the first
    /// <paramref name="tk"/> positions of key and value buffers (P, H, C ≥ Tk, Dh) read through a row table: query row
    /// b's key t is buffer row <c>rows[b·Tk + t]</c> (row b itself when <paramref name="rows"/> is null), so a reordered
    /// beam reads its ancestors' keys in place (see <see cref="AttentionCache"/>).
    /// </summary>
    internal static Tensor SingleQueryAttention(Tensor q, Tensor k, Tensor v, int tk, int[]? rows, Tensor? keyPaddingMask = null,
                                                Tensor? headMeanWeights = null, float? scale = null)
    {
        if (q.Rank != 4 || k.Rank != 4 || !ShapeUtil.SameShape(k.Shape, v.Shape) || k.Shape[1] != q.Shape[1] || k.Shape[3] != q.Shape[3]
            || tk > k.Shape[2] || (rows is null && k.Shape[0] != q.Shape[0]) || (rows is not null && rows.Length != q.Shape[0] * tk))
            throw new ArgumentException($"attention shapes do not agree: q {ShapeUtil.Format(q.Shape)}, k {ShapeUtil.Format(k.Shape)}, v {ShapeUtil.Format(v.Shape)}, {tk} keys");
        if (q.Shape[2] != 1) throw new ArgumentException($"single-query attention needs Tq = 1, got q {ShapeUtil.Format(q.Shape)}");
        if (q.Strides[3] != 1) q = q.ContiguousRaw();
        if (k.Strides[3] != 1) k = k.ContiguousRaw();
        if (v.Strides[3] != 1) v = v.ContiguousRaw();
        int b = q.Shape[0], h = q.Shape[1], dh = q.Shape[3];
        float sc = scale ?? 1f / MathF.Sqrt(dh);
        ReadOnlySpan<float> pad = keyPaddingMask is null ? default : keyPaddingMask.ContiguousRaw().Span;
        if (keyPaddingMask is not null && pad.Length != b * tk)
            throw new ArgumentException($"key padding mask {ShapeUtil.Format(keyPaddingMask.Shape)} must be (B, Tk) = ({b}, {tk})");
        Span<float> mean = headMeanWeights is null ? default : headMeanWeights.Span;
        var o = Tensor.Empty(b, h, 1, dh);
        var oa = o.Storage.Array; var qa = q.Storage.Array; var ka = k.Storage.Array; var va = v.Storage.Array;
        int[] qs = q.Strides, ks = k.Strides, vs = v.Strides;
        float[]? rented = tk > 512 ? new float[tk] : null;
        Span<float> p = rented ?? stackalloc float[tk];
        float invH = 1f / h;
        for (int bb = 0; bb < b; bb++)
            for (int hh = 0; hh < h; hh++)
            {
                var qv = new ReadOnlySpan<float>(qa, q.Offset + bb * qs[0] + hh * qs[1], dh);
                int k0 = k.Offset + hh * ks[1], v0 = v.Offset + hh * vs[1];
                float max = float.NegativeInfinity;
                for (int j = 0; j < tk; j++)
                {
                    if (!pad.IsEmpty && pad[bb * tk + j] != 0f) { p[j] = float.NegativeInfinity; continue; }
                    int r = rows is null ? bb : rows[bb * tk + j];
                    float x = TensorPrimitives.Dot(qv, new ReadOnlySpan<float>(ka, k0 + r * ks[0] + j * ks[2], dh)) * sc;  // q·k_j·scale
                    p[j] = x;
                    if (x > max) max = x;
                }
                var ov = new Span<float>(oa, o.Offset + (bb * h + hh) * dh, dh);
                ov.Clear();
                if (float.IsNegativeInfinity(max)) continue;                     // every key masked: zero output
                SafeSoftmaxInPlace(p[..tk]);
                for (int j = 0; j < tk; j++)
                {
                    if (p[j] == 0f) continue;
                    int r = rows is null ? bb : rows[bb * tk + j];
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(va, v0 + r * vs[0] + j * vs[2], dh), p[j], ov, ov); // Σ_j p_j·v_j
                }
                if (!mean.IsEmpty) TensorPrimitives.MultiplyAdd(p[..tk], invH, mean.Slice(bb * tk, tk), mean.Slice(bb * tk, tk));
            }
        return o;
    }

    /// <summary>
    /// The same attention composed from primitive differentiable ops. Returns the output (B, H, Tq, Dh) and the
    /// probabilities after dropout (B, H, Tq, Tk), both differentiable.
    /// </summary>
    public static (Tensor Output, Tensor Probs) ScaledDotProductAttentionComposed(Tensor q, Tensor k, Tensor v, Tensor? mask = null,
        bool causal = false, float dropoutP = 0f, bool training = false, Rng? rng = null, float? scale = null)
    {
        CheckShapes(q, k, v);
        int b = q.Shape[0], h = q.Shape[1], tq = q.Shape[2], dh = q.Shape[3], tk = k.Shape[2];
        float sc = scale ?? 1f / MathF.Sqrt(dh);
        var scores = q.MatMul(k, transB: true) * sc;                         // (B, H, Tq, Dh)·(B, H, Dh, Tk) → (B, H, Tq, Tk)
        // The additive mask with the causal part folded in, (B|1, H|1, Tq, Tk); no gradient.
        Tensor? full = mask;
        if (causal)
        {
            var cm = CausalMask(tq, tk);                                     // (Tq, Tk)
            full = full is null ? cm : (full.Detach() + cm);
        }
        if (full is null)
            return Finish(scores.Softmax(-1));
        scores = scores + full.Detach();
        // Fully blocked rows: softmax of finite zeros, then zeroed, so neither NaN nor gradient flows.
        var dead = FullyMaskedRows(full.Detach());                           // (…, Tq, 1), 1 = all keys blocked
        scores = scores.MaskedFill(dead, 0f);
        return Finish(scores.Softmax(-1).MaskedFill(dead, 0f));

        (Tensor, Tensor) Finish(Tensor p)
        {
            p = F.Dropout(p, dropoutP, training, rng);
            return (p.MatMul(v), p);                                         // (B, H, Tq, Tk)·(B, H, Tk, Dh) → (B, H, Tq, Dh)
        }
    }

    /// <summary>Additive causal mask (Tq, Tk): 0 where key j ≤ i + (Tk − Tq), −∞ elsewhere (PyTorch's
    /// <c>generate_square_subsequent_mask</c> when Tq = Tk).</summary>
    public static Tensor CausalMask(int tq, int tk)
    {
        var m = Tensor.Zeros(tq, tk);
        var s = m.Span;
        for (int i = 0; i < tq; i++)
            for (int j = Math.Max(i + tk - tq + 1, 0); j < tk; j++) s[i * tk + j] = float.NegativeInfinity;
        return m;
    }

    /// <summary>Square causal mask (T, T), like <c>nn.Transformer.generate_square_subsequent_mask</c>.</summary>
    public static Tensor GenerateSquareSubsequentMask(int size) => CausalMask(size, size);

    /// <summary>Key padding (B, Tk), nonzero = padding, as an additive mask (B, 1, 1, Tk) of 0 / −∞.</summary>
    public static Tensor KeyPaddingToAdditive(Tensor keyPaddingMask)
    {
        if (keyPaddingMask.Rank != 2) throw new ArgumentException($"key padding mask must be (B, Tk), got {ShapeUtil.Format(keyPaddingMask.Shape)}");
        int b = keyPaddingMask.Shape[0], tk = keyPaddingMask.Shape[1];
        var src = keyPaddingMask.ContiguousRaw().Span;
        var m = Tensor.Empty(b, 1, 1, tk);
        var s = m.Span;
        for (int i = 0; i < s.Length; i++) s[i] = src[i] != 0 ? float.NegativeInfinity : 0f;
        return m;
    }

    private static void CheckShapes(Tensor q, Tensor k, Tensor v)
    {
        if (q.Rank != 4 || k.Rank != 4 || v.Rank != 4)
            throw new ArgumentException($"attention needs (B, H, T, Dh) tensors, got q {ShapeUtil.Format(q.Shape)}, k {ShapeUtil.Format(k.Shape)}, v {ShapeUtil.Format(v.Shape)}");
        if (k.Shape[0] != q.Shape[0] || k.Shape[1] != q.Shape[1] || k.Shape[3] != q.Shape[3] || !ShapeUtil.SameShape(k.Shape, v.Shape))
            throw new ArgumentException($"attention shapes do not agree: q {ShapeUtil.Format(q.Shape)}, k {ShapeUtil.Format(k.Shape)}, v {ShapeUtil.Format(v.Shape)}");
    }

    /// <summary>Strided access to a mask broadcast to (B, H, Tq, Tk) without copying it.</summary>
    private static (float[]? Arr, int Off, int Sb, int Sh, int Sq, int Sk) MaskLayout(Tensor? mask, int b, int h, int tq, int tk)
    {
        if (mask is null) return (null, 0, 0, 0, 0, 0);
        if (mask.Rank > 4) throw new ArgumentException($"attention mask of rank {mask.Rank}; expected at most 4");
        var e = mask.ExpandRaw(new[] { b, h, tq, tk });
        var st = e.Strides;
        return (e.Storage.Array, e.Offset, st[0], st[1], st[2], st[3]);
    }

    /// <summary>Softmax of one row; a row that is entirely −∞ becomes zeros.</summary>
    private static void SafeSoftmaxInPlace(Span<float> row)
    {
        float max = TensorPrimitives.Max(row);
        if (float.IsNegativeInfinity(max)) { row.Clear(); return; }
        TensorPrimitives.Subtract(row, max, row);
        TensorPrimitives.Exp(row, row);
        float sum = TensorPrimitives.Sum(row);
        TensorPrimitives.Multiply(row, 1f / sum, row);
    }

    /// <summary>Inverted-dropout multipliers: 0 with probability p, else 1/(1−p).</summary>
    private static Tensor DropoutMask(int[] shape, float p, Rng rng) => Autograd.F.DropoutMask(shape, p, rng);

    /// <summary>For an additive mask (…, Tq, Tk): (…, Tq, 1) with 1 where every key of the row is −∞.</summary>
    private static Tensor FullyMaskedRows(Tensor mask)
    {
        var c = mask.ContiguousRaw();
        int tk = c.Shape[^1];
        var shape = (int[])c.Shape.Clone(); shape[^1] = 1;
        var r = Tensor.Empty(shape);
        var s = c.Span; var rs = r.Span;
        for (int row = 0; row < rs.Length; row++)
        {
            bool all = tk > 0;
            for (int j = 0; j < tk && all; j++) all = float.IsNegativeInfinity(s[row * tk + j]);
            rs[row] = all ? 1f : 0f;
        }
        return r;
    }
}
