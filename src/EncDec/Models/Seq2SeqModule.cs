using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// A trainable sequence-to-sequence module: a <see cref="Module"/> (parameters, state dict, train/eval) that decodes
/// (<see cref="ISeq2SeqModel"/>) and trains with teacher forcing (<see cref="ITeacherForcedModel"/>). The
/// <see cref="EncoderDecoder"/> and the <see cref="DecoderOnlyLm"/> are ones; the trainer and the model store take this type.
/// </summary>
public abstract class Seq2SeqModule : Module, ITeacherForcedModel
{
    /// <inheritdoc/>
    public abstract int TargetVocabSize { get; }

    /// <inheritdoc/>
    public abstract EncoderOutput Encode(IndexTensor source, int[] lengths);

    /// <inheritdoc/>
    public abstract IDecoderState InitialState(EncoderOutput encoder);

    /// <inheritdoc/>
    public abstract StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state);

    /// <inheritdoc/>
    public virtual StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state, bool withAttention)
        => DecodeStep(tokens, position, encoder, state);

    /// <inheritdoc/>
    public abstract (Tensor Logits, Tensor? Attention) Forward(IndexTensor source, int[] sourceLengths, IndexTensor targetInputs);
}
