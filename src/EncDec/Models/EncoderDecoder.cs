using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// The standard encoder-decoder, assembled from injected parts (as in the annotated Transformer):
/// source embedding → encoder → memory; target embedding → decoder (attending to memory) → generator → logits.
/// Both RNN and Transformer models are instances of this class with different parts.
/// </summary>
public sealed class EncoderDecoder : Module, ITeacherForcedModel, IOptionalAttention
{
    public Module SrcEmbed { get; }
    public Module Encoder { get; }
    public Module TgtEmbed { get; }
    public Module Decoder { get; }
    /// <summary>Hidden (…, H) → logits (…, V); its weight may be tied to the target embedding.</summary>
    public Linear Generator { get; }

    public EncoderDecoder(Module srcEmbed, Module encoder, Module tgtEmbed, Module decoder, Linear generator)
    {
        if (srcEmbed is not ITokenEmbedding || tgtEmbed is not ITokenEmbedding) throw new ArgumentException("embeddings must implement ITokenEmbedding");
        if (encoder is not IEncoder) throw new ArgumentException("encoder must implement IEncoder");
        if (decoder is not IDecoder) throw new ArgumentException("decoder must implement IDecoder");
        SrcEmbed = srcEmbed; Encoder = encoder; TgtEmbed = tgtEmbed; Decoder = decoder; Generator = generator;
    }

    private ITokenEmbedding Src => (ITokenEmbedding)SrcEmbed;
    private ITokenEmbedding Tgt => (ITokenEmbedding)TgtEmbed;
    private IEncoder Enc => (IEncoder)Encoder;
    private IDecoder Dec => (IDecoder)Decoder;

    public int TargetVocabSize => Generator.OutFeatures;

    /// <summary>
    /// Whether <see cref="Forward"/>, <see cref="Decode"/> and <see cref="DecodeStep"/> return source attention when the
    /// decoder computes it only on request (<see cref="IOptionalAttention"/>, the Transformer); always true for other decoders.
    /// </summary>
    public bool NeedAttention
    {
        get => Decoder is not IOptionalAttention d || d.NeedAttention;
        set { if (Decoder is IOptionalAttention d) d.NeedAttention = value; }
    }

    /// <summary>Source ids (B, S) and lengths → encoder output.</summary>
    public EncoderOutput Encode(IndexTensor source, int[] lengths) => Enc.Forward(Src.Forward(source), lengths);

    /// <summary>Teacher-forced decoding: target inputs (B, T) → decoder output (hidden (B, T, H), attention).</summary>
    public DecoderOutput Decode(IndexTensor targetInputs, EncoderOutput encoder) => Dec.Forward(Tgt.Forward(targetInputs), encoder);

    /// <summary>Full forward: logits (B, T, V) and attention (B, T, S) if any.</summary>
    public (Tensor Logits, Tensor? Attention) Forward(IndexTensor source, int[] sourceLengths, IndexTensor targetInputs)
    {
        var enc = Encode(source, sourceLengths);
        var dec = Decode(targetInputs, enc);
        return (Generator.Forward(dec.Hidden), dec.Attention);       // (B, T, V)
    }

    public IDecoderState InitialState(EncoderOutput encoder) => Dec.InitialState(encoder);

    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state)
        => DecodeStep(tokens, position, encoder, state, NeedAttention);

    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state, bool withAttention)
    {
        var ids = new IndexTensor(tokens, tokens.Length, 1);                  // (B, 1)
        var (output, next) = Dec.Step(Tgt.Forward(ids, position), encoder, state, withAttention);
        var logits = Generator.Forward(output.Hidden).Reshape(tokens.Length, -1);  // (B, V)
        var attn = output.Attention?.Reshape(tokens.Length, -1);             // (B, S)
        return new StepResult(logits, attn, next);
    }
}
