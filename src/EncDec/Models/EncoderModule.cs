using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>An encoder that is a module: what an <see cref="EncoderDecoder"/> takes for its encoder.</summary>
public abstract class EncoderModule : Module, IEncoder
{
    /// <inheritdoc/>
    public abstract EncoderOutput Forward(Tensor embedded, int[] lengths);
}
