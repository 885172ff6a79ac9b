using EncDec.Tensors;

namespace EncDec.Nn;

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
