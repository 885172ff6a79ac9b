using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

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
