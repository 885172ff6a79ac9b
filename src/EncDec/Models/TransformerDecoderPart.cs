using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// Transformer decoder stack as an <see cref="IDecoder"/>: causal self-attention over the target and attention
/// over the memory; incremental steps reuse cached keys/values so each step costs O(t). With
/// <see cref="NeedAttention"/>, outputs carry the last layer's cross-attention averaged over heads.
/// </summary>
public sealed class TransformerDecoderPart : DecoderModule, IOptionalAttention
{
    public TransformerDecoder Stack { get; }

    /// <summary>Return cross-attention (B, T, S) from <see cref="Forward"/> and (B, 1, S) from <c>Step</c>; off by default (training does not pay for it).</summary>
    public bool NeedAttention { get; set; }

    public TransformerDecoderPart(TransformerDecoder stack) => Stack = stack;

    public override DecoderOutput Forward(Tensor embedded, EncoderOutput encoder)
    {
        if (NeedAttention && Stack.Layers.Count > 0)
        {
            var (y, w) = Stack.ForwardWithCrossAttention(embedded, encoder.Memory, tgtMask: null, tgtKeyPaddingMask: null,
                                                         memoryKeyPaddingMask: encoder.PaddingMask, tgtIsCausal: true);  // (B, T, d), (B, T, S)
            return new DecoderOutput(y, w);
        }
        var h = Stack.Forward(embedded, encoder.Memory, tgtMask: null, tgtKeyPaddingMask: null,
                              memoryKeyPaddingMask: encoder.PaddingMask, tgtIsCausal: true);   // (B, T, d)
        return new DecoderOutput(h, null);
    }

    public override IDecoderState InitialState(EncoderOutput encoder)
    {
        // the memory keys/values and packed projections live as long as the decoding: the caller's scope returns them to the
        // pool when it ends (a server decoding batch after batch then leaves no large arrays to the GC); without a scope the GC reclaims them
        return new TransformerDecoderState(null, Stack.PrecomputeMemory(encoder.Memory), GradMode.IsEnabled ? null : Stack.PackForDecoding());
    }

    public override (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state)
        => Step(embeddedStep, encoder, state, NeedAttention);

    public override (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state, bool withAttention)
    {
        var st = (TransformerDecoderState)state;
        var (y, self, w) = Stack.ForwardIncremental(embeddedStep, st.MemoryCaches, st.SelfCaches, encoder.PaddingMask, withAttention, st.Packed); // (B, 1, d), (B, 1, S)
        return (new DecoderOutput(y, w), st.WithSelf(self));
    }
}
