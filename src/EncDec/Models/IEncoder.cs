using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Maps embedded source tokens (B, S, E) to an <see cref="EncoderOutput"/>.</summary>
public interface IEncoder
{
    EncoderOutput Forward(Tensor embedded, int[] lengths);
}
