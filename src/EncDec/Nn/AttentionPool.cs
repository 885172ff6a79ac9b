using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// Attention pooling with a learned query (as the attention pooling of CLIP's image encoders): the inputs (N, S, d) are
/// layer-normalised (<c>norm</c>) and a single learned <c>query</c> (1, 1, d) attends over them with multi-head
/// attention (<c>attn</c>), giving one vector (N, d) per row. Unlike the mean, the weights depend on content and the
/// values keep each position's features, so a pooled vector can tell which thing is where.
/// Parameters: <c>query</c>, <c>norm.weight</c>, <c>norm.bias</c>, <c>attn.{q,k,v,out}_proj.{weight,bias}</c>.
/// </summary>
public sealed class AttentionPool : Module
{
    public Tensor Query { get; }
    public LayerNorm Norm { get; }
    public MultiheadAttention Attn { get; }

    public AttentionPool(int dim, int heads, Rng rng)
    {
        Query = Init.Normal(0.02f, rng, 1, 1, dim);
        Norm = new LayerNorm(dim);
        Attn = new MultiheadAttention(dim, heads, rng: rng);
    }

    /// <summary>x (N, S, d), optional key padding mask (N, S) with nonzero = ignored → (N, d).</summary>
    public Tensor Forward(Tensor x, Tensor? keyPaddingMask = null)
    {
        var kv = Norm.Forward(x);                                            // (N, S, d)
        var q = Query.Expand(x.Shape[0], 1, -1);                             // (N, 1, d)
        var (o, _) = Attn.Forward(q, kv, kv, keyPaddingMask);                // (N, 1, d)
        return o.Select(1, 0);                                               // (N, d)
    }
}
