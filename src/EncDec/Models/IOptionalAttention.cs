namespace EncDec.Models;

/// <summary>
/// A model (or decoder) whose attention over the source costs extra work and is computed only on request: a
/// Transformer decoder returns its last layer's cross-attention averaged over heads when <see cref="NeedAttention"/>
/// is set. Training leaves it off. Generation never sets it: it asks for attention per step, as an argument of
/// <see cref="ISeq2SeqModel.DecodeStep(int[], int, EncoderOutput, IDecoderState, bool)"/>, so concurrent decodes on one
/// model stay independent. RNN decoders compute attention anyway and need not implement this.
/// </summary>
public interface IOptionalAttention
{
    /// <summary>Whether decoding (teacher-forced and incremental) returns attention over the source.</summary>
    bool NeedAttention { get; set; }
}
