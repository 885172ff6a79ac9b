using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Transformer encoder stack as an <see cref="IEncoder"/>: padding positions are masked as keys.</summary>
public sealed class TransformerEncoderPart : EncoderModule
{
    public TransformerEncoder Stack { get; }

    public TransformerEncoderPart(TransformerEncoder stack) => Stack = stack;

    public override EncoderOutput Forward(Tensor embedded, int[] lengths)
    {
        int s = embedded.Shape[1];
        var pad = EncoderOutput.MaskFromLengths(lengths, s);              // (B, S)
        var memory = Stack.Forward(embedded, pad);                        // (B, S, d)
        return new EncoderOutput(memory, pad, lengths);
    }
}
