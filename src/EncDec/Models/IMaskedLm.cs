using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>An encoder-only masked language model (BERT-style): encode, then predict the masked tokens.</summary>
public interface IMaskedLm
{
    /// <summary>ids (B, S) with lengths → hidden states (B, S, d).</summary>
    EncoderOutput Encode(IndexTensor ids, int[] lengths);

    /// <summary>MLM logits (B, S, V).</summary>
    Tensor MlmLogits(EncoderOutput encoded);

    /// <summary>Mean cross-entropy over the masked positions (<see cref="MlmMasking.IgnoreTarget"/> elsewhere).</summary>
    Tensor MlmLoss(IndexTensor maskedIds, int[] lengths, int[] targets);
}
