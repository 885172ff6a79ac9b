using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>Lookup table (num, dim) with an optional padding row that stays zero and gets no gradient; init N(0, 1).</summary>
public sealed class Embedding : Module
{
    public Tensor Weight { get; }
    public int? PaddingIdx { get; }
    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }

    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, Rng? rng = null)
    {
        NumEmbeddings = numEmbeddings; EmbeddingDim = embeddingDim; PaddingIdx = paddingIdx;
        Weight = Init.Normal(1f, rng, numEmbeddings, embeddingDim);
        if (paddingIdx is { } p) Weight.Span.Slice(p * embeddingDim, embeddingDim).Clear();
    }

    /// <summary>ids (…) → (…, dim).</summary>
    public Tensor Forward(IndexTensor ids) => F.Embedding(ids, Weight, PaddingIdx);
}
