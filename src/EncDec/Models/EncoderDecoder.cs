using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// The standard encoder-decoder, assembled from injected parts (as in the annotated Transformer):
/// source embedding → encoder → memory; target embedding → decoder (attending to memory) → generator → logits.
/// Both RNN and Transformer models are instances of this class with different parts.
/// </summary>
public sealed class EncoderDecoder : Seq2SeqModule, IOptionalAttention
{
    public TokenEmbeddingModule SrcEmbed { get; }
    public EncoderModule Encoder { get; }
    public TokenEmbeddingModule TgtEmbed { get; }
    public DecoderModule Decoder { get; }
    /// <summary>Hidden (…, H) → logits (…, V); its weight may be tied to the target embedding.</summary>
    public Linear Generator { get; }

    public EncoderDecoder(TokenEmbeddingModule srcEmbed, EncoderModule encoder, TokenEmbeddingModule tgtEmbed, DecoderModule decoder, Linear generator)
    {
        SrcEmbed = srcEmbed; Encoder = encoder; TgtEmbed = tgtEmbed; Decoder = decoder; Generator = generator;
    }

    public override int TargetVocabSize => Generator.OutFeatures;

    /// <summary>
    /// Whether <see cref="Forward"/>, <see cref="Decode"/> and <c>DecodeStep</c> return source attention when the
    /// decoder computes it only on request (<see cref="IOptionalAttention"/>, the Transformer); always true for other decoders.
    /// </summary>
    public bool NeedAttention
    {
        get => Decoder is not IOptionalAttention d || d.NeedAttention;
        set { if (Decoder is IOptionalAttention d) d.NeedAttention = value; }
    }

    /// <summary>Source ids (B, S) and lengths → encoder output.</summary>
    public override EncoderOutput Encode(IndexTensor source, int[] lengths) => Encoder.Forward(SrcEmbed.Forward(source), lengths);

    /// <summary>Teacher-forced decoding: target inputs (B, T) → decoder output (hidden (B, T, H), attention).</summary>
    public DecoderOutput Decode(IndexTensor targetInputs, EncoderOutput encoder) => Decoder.Forward(TgtEmbed.Forward(targetInputs), encoder);

    /// <summary>Full forward: logits (B, T, V) and attention (B, T, S) if any.</summary>
    public override (Tensor Logits, Tensor? Attention) Forward(IndexTensor source, int[] sourceLengths, IndexTensor targetInputs)
    {
        var enc = Encode(source, sourceLengths);
        var dec = Decode(targetInputs, enc);
        return (Generator.Forward(dec.Hidden), dec.Attention);       // (B, T, V)
    }

    /// <summary>The decoder's initial state; without autograd the output layer is packed for the run too (<see cref="PackedLinear"/>).</summary>
    public override IDecoderState InitialState(EncoderOutput encoder)
    {
        var state = Decoder.InitialState(encoder);
        if (GradMode.IsEnabled) return state;
        var packed = PackedLinear.Pack(Generator);      // lives as long as the decoding: the caller's scope returns it to the pool
        return packed is null ? state : new PackedOutputState(state, packed);
    }

    public override StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state)
        => DecodeStep(tokens, position, encoder, state, NeedAttention);

    public override StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state, bool withAttention)
    {
        var ids = new IndexTensor(tokens, tokens.Length, 1);                  // (B, 1)
        var packed = state as PackedOutputState;
        var (output, next) = Decoder.Step(TgtEmbed.Forward(ids, position), encoder, packed?.Inner ?? state, withAttention);
        var logits = PackedLinear.Apply(Generator, packed?.Generator, output.Hidden).Reshape(tokens.Length, -1);  // (B, 1, H) → (B, V)
        var attn = output.Attention?.Reshape(tokens.Length, -1);             // (B, S)
        return new StepResult(logits, attn, packed is null ? next : new PackedOutputState(next, packed.Generator));
    }
}
