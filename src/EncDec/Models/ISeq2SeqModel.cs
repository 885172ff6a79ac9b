using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// What generation needs from a model: encode a source batch once, then decode step by step.
/// Implemented by <see cref="EncoderDecoder"/> and by decoder-only language models.
/// </summary>
public interface ISeq2SeqModel
{
    int TargetVocabSize { get; }
    /// <summary>Source ids (B, S) with true lengths → encoder output.</summary>
    EncoderOutput Encode(IndexTensor source, int[] lengths);
    IDecoderState InitialState(EncoderOutput encoder);
    /// <summary>Feeds tokens (B) at target position <paramref name="position"/> and returns next-token logits (B, V).</summary>
    StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state);

    /// <summary>
    /// <see cref="DecodeStep(int[], int, EncoderOutput, IDecoderState)"/> with attention over the source on request: the
    /// request is an argument, never a flag set on the shared model, so concurrent decodes on one model stay independent.
    /// A model that has attention anyway (or none) may ignore it.
    /// </summary>
    StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state, bool withAttention)
        => DecodeStep(tokens, position, encoder, state);
}
