using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Result of one decoding step of a whole model.</summary>
/// <param name="Logits">(B, V) unnormalised scores of the next token.</param>
/// <param name="Attention">(B, S) attention over the source, if the model has it.</param>
/// <param name="Next">The decoder state after this step.</param>
public sealed record StepResult(Tensor Logits, Tensor? Attention, IDecoderState Next);
