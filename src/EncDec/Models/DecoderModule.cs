using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>A decoder that is a module: what an <see cref="EncoderDecoder"/> takes for its decoder.</summary>
public abstract class DecoderModule : Module, IDecoder
{
    /// <inheritdoc/>
    public abstract DecoderOutput Forward(Tensor embedded, EncoderOutput encoder);

    /// <inheritdoc/>
    public abstract IDecoderState InitialState(EncoderOutput encoder);

    /// <inheritdoc/>
    public abstract (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state);

    /// <summary>A step that returns attention over the source when <paramref name="withAttention"/>; by default the decoder's usual step (RNN decoders compute attention anyway).</summary>
    public virtual (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state, bool withAttention)
        => Step(embeddedStep, encoder, state);
}
