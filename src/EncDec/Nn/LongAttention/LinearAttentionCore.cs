using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn.LongAttention;

/// <summary>
/// Linear (kernel) attention (Katharopoulos et al., 2020): softmax(q·kᵀ) is replaced by φ(q)·φ(k)ᵀ with
/// φ(x) = elu(x) + 1, so out_i = φ(q_i)ᵀ·Σ_j φ(k_j) v_jᵀ / φ(q_i)ᵀ·Σ_j φ(k_j) costs O(n·Dh²) instead of O(n²·Dh).
/// The causal form runs over blocks of <see cref="Block"/> positions: inside a block the masked quadratic form,
/// across blocks the running prefix sums S = Σ φ(k) vᵀ (Dh, Dh) and z = Σ φ(k) (Dh). Decoding keeps only (S, z)
/// per layer: O(1) state whatever the length. Masks: key padding only (a mask broadcast over the queries);
/// composed from differentiable ops.
/// </summary>
public sealed class LinearAttentionCore(int block = 64) : IAttentionCore
{
    private const float Eps = 1e-6f;

    public int Block { get; } = block > 0 ? block : throw new ArgumentOutOfRangeException(nameof(block), "chunk size must be positive");

    public AttentionCoreKind Kind => AttentionCoreKind.Linear;

    public Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal)
    {
        var fq = FeatureMap(q);                                                 // (B, H, Tq, Dh)
        var fk = FeatureMap(k);                                                 // (B, H, Tk, Dh)
        if (mask is not null) fk = fk * KeepFromMask(mask, k.Shape[2]);        // padded keys contribute nothing
        if (causal)
        {
            if (q.Shape[2] != k.Shape[2])
                throw new ArgumentException($"causal linear attention needs as many queries as keys, got {q.Shape[2]} and {k.Shape[2]}");
            return CausalBlocks(fq, fk, v, null, null).Output;
        }
        var kv = fk.MatMul(v, transA: true);                                    // (B, H, Dh, Tk)·(B, H, Tk, Dh) → (B, H, Dh, Dh)
        var z = fk.Sum(2, keepDim: true);                                       // (B, H, 1, Dh)
        var num = fq.MatMul(kv);                                                // (B, H, Tq, Dh)·(B, H, Dh, Dh) → (B, H, Tq, Dh)
        var den = fq.MatMul(z, transB: true);                                   // (B, H, Tq, Dh)·(B, H, Dh, 1) → (B, H, Tq, 1)
        return num / (den + Eps);
    }

    /// <summary>The state is one (B, H, Dh + 1, Dh) tensor: rows 0…Dh−1 hold S, row Dh holds z.</summary>
    public (Tensor Output, AttentionCache State) Step(Tensor q, Tensor k, Tensor v, AttentionCache? state)
    {
        int dh = q.Shape[3];
        Tensor? s = null, z = null;
        if (state is not null)
        {
            if (state.Key.Shape[2] != dh + 1 || state.Key.Shape[3] != dh)
                throw new ArgumentException($"linear attention state {ShapeUtil.Format(state.Key.Shape)} is not (B, H, {dh + 1}, {dh})");
            s = state.Key.Narrow(2, 0, dh);                                     // (B, H, Dh, Dh)
            z = state.Key.Narrow(2, dh, 1);                                     // (B, H, 1, Dh)
        }
        var (o, s2, z2) = CausalBlocks(FeatureMap(q), FeatureMap(k), v, s, z);
        Tensor packed;
        if (Tensor.NeedsGrad(s2, z2)) packed = F.Concat(new[] { s2, z2 }, 2);  // (B, H, Dh + 1, Dh)
        else
            using (TensorScope.Suspend())                                       // decoding state outlives per-step scopes
                packed = F.Concat(new[] { s2, z2 }, 2);
        return (o, new AttentionCache(packed, packed));
    }

    /// <summary>φ(x) = elu(x) + 1 = relu(x) + exp(x − relu(x)), positive everywhere.</summary>
    public static Tensor FeatureMap(Tensor x)
    {
        var r = x.Relu();
        return r + (x - r).Exp();
    }

    /// <summary>An additive mask broadcast over the queries, (B|1, H|1, 1, Tk), as 1/0 multipliers (B|1, H|1, Tk, 1).</summary>
    private static Tensor KeepFromMask(Tensor mask, int tk)
    {
        if (mask.Rank != 4 || mask.Shape[2] != 1 || mask.Shape[3] != tk)
            throw new ArgumentException($"linear attention supports key padding masks only (B, 1, 1, Tk), got {ShapeUtil.Format(mask.Shape)}");
        var src = mask.ContiguousRaw().Span;
        var keep = Tensor.Empty(mask.Shape[0], mask.Shape[1], tk, 1);
        var d = keep.Span;
        for (int i = 0; i < d.Length; i++) d[i] = float.IsNegativeInfinity(src[i]) ? 0f : 1f;
        return keep;
    }

    /// <summary>
    /// Causal linear attention of fq, fk (feature-mapped), v (B, H, T, Dh) following the prefix sums s (B, H, Dh, Dh)
    /// and z (B, H, 1, Dh) (null: nothing before) → the output (B, H, T, Dh) and the prefix sums after the last position.
    /// </summary>
    private (Tensor Output, Tensor S, Tensor Z) CausalBlocks(Tensor fq, Tensor fk, Tensor v, Tensor? s, Tensor? z)
    {
        int t = fq.Shape[2];
        var outs = new List<Tensor>();
        for (int s0 = 0; s0 < t; s0 += Block)
        {
            int len = Math.Min(Block, t - s0);
            var qc = fq.Narrow(2, s0, len); var kc = fk.Narrow(2, s0, len); var vc = v.Narrow(2, s0, len);   // (B, H, C, Dh)
            var a = qc.MatMul(kc, transB: true) * Lower(len);                   // (B, H, C, Dh)·(B, H, Dh, C) → (B, H, C, C), j ≤ i
            var num = a.MatMul(vc);                                             // (B, H, C, C)·(B, H, C, Dh) → (B, H, C, Dh)
            var den = a.Sum(-1, keepDim: true);                                 // (B, H, C, 1)
            if (s is not null)
            {
                num = num + qc.MatMul(s);                                       // (B, H, C, Dh)·(B, H, Dh, Dh) → (B, H, C, Dh)
                den = den + qc.MatMul(z!, transB: true);                        // (B, H, C, Dh)·(B, H, Dh, 1) → (B, H, C, 1)
            }
            outs.Add(num / (den + Eps));
            var sc = kc.MatMul(vc, transA: true);                               // (B, H, Dh, C)·(B, H, C, Dh) → (B, H, Dh, Dh)
            var zc = kc.Sum(2, keepDim: true);                                  // (B, H, 1, Dh)
            s = s is null ? sc : s + sc;
            z = z is null ? zc : z + zc;
        }
        var o = outs.Count == 1 ? outs[0] : F.Concat(outs, 2);                  // (B, H, T, Dh)
        return (o, s!, z!);
    }

    /// <summary>(C, C) with ones on and below the diagonal.</summary>
    private static Tensor Lower(int c)
    {
        var m = Tensor.Zeros(c, c);
        var s = m.Span;
        for (int i = 0; i < c; i++) s.Slice(i * c, i + 1).Fill(1f);
        return m;
    }
}
