using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>A model trained with teacher forcing: full target inputs → logits for every target position.</summary>
public interface ITeacherForcedModel : ISeq2SeqModel
{
    /// <summary>Source (B, S) with lengths and target inputs (B, T) → logits (B, T, V) and attention (B, T, S) if any.</summary>
    (Tensor Logits, Tensor? Attention) Forward(IndexTensor source, int[] sourceLengths, IndexTensor targetInputs);
}
