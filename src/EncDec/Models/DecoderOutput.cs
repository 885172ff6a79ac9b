using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Decoder output for a span of target positions.</summary>
/// <param name="Hidden">(B, T, H) states fed to the generator.</param>
/// <param name="Attention">(B, T, S) attention over the source, when the decoder has it.</param>
public sealed record DecoderOutput(Tensor Hidden, Tensor? Attention);
