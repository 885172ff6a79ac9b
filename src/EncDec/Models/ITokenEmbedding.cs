using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Token embedding that knows positions (a Transformer adds positional encodings; an RNN ignores them).</summary>
public interface ITokenEmbedding
{
    /// <summary>ids (B, T) → (B, T, E); <paramref name="positionOffset"/> is the position of the first column.</summary>
    Tensor Forward(IndexTensor ids, int positionOffset = 0);
}
