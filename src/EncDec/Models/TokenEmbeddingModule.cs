using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>A token embedding that is a module: what an <see cref="EncoderDecoder"/> takes for its embeddings.</summary>
public abstract class TokenEmbeddingModule : Module, ITokenEmbedding
{
    /// <inheritdoc/>
    public abstract Tensor Forward(IndexTensor ids, int positionOffset = 0);
}
