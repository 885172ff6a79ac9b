using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>A decoder usable both teacher-forced (whole target at once) and incrementally (one step).</summary>
public interface IDecoder
{
    /// <summary>Teacher-forced: embedded target inputs (B, T, E) → hidden states (B, T, H).</summary>
    DecoderOutput Forward(Tensor embedded, EncoderOutput encoder);

    /// <summary>State before the first step.</summary>
    IDecoderState InitialState(EncoderOutput encoder);

    /// <summary>One step: embedded inputs (B, 1, E) → hidden (B, 1, H) and the next state.</summary>
    (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state);

    /// <summary>
    /// <see cref="Step(Tensor, EncoderOutput, IDecoderState)"/> that returns attention over the source (B, 1, S) when
    /// <paramref name="withAttention"/> is set; a decoder that computes it anyway (RNN) ignores the argument.
    /// </summary>
    (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state, bool withAttention)
        => Step(embeddedStep, encoder, state);
}
