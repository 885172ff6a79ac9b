using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Plain token embedding with dropout (RNNs need no positions).</summary>
public sealed class RnnEmbedding : TokenEmbeddingModule
{
    public Embedding Tokens { get; }
    public Dropout Dropout { get; }

    public RnnEmbedding(Embedding tokens, float dropout, Rng? rng = null)
    {
        Tokens = tokens; Dropout = new Dropout(dropout, rng);
    }

    public override Tensor Forward(IndexTensor ids, int positionOffset = 0) => Dropout.Forward(Tokens.Forward(ids)); // (B, T, E)
}
