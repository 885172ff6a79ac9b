using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// Image-to-sequence: an image encoder (<see cref="CnnImageEncoder"/> or <see cref="VitImageEncoder"/>) whose region
/// features are the memory of the existing Transformer decoder (cross-attention), then the output layer. Decode it
/// with the existing generator through <see cref="ForImages"/>; the decoder's attention over the memory is
/// attention over image regions (grid cells, row-major).
/// </summary>
public sealed class ImageToSequenceModel : Module, IOptionalAttention
{
    public Module ImageEncoder { get; }
    public TransformerEmbedding TgtEmbed { get; }
    public TransformerDecoderPart Decoder { get; }
    public Linear Generator { get; }

    public ImageToSequenceModel(Module imageEncoder, TransformerEmbedding tgtEmbed, TransformerDecoderPart decoder, Linear generator)
    {
        if (imageEncoder is not IImageEncoder) throw new ArgumentException("image encoder must implement IImageEncoder");
        ImageEncoder = imageEncoder; TgtEmbed = tgtEmbed; Decoder = decoder; Generator = generator;
    }

    public IImageEncoder Encoder => (IImageEncoder)ImageEncoder;
    public int TargetVocabSize => Generator.OutFeatures;

    public bool NeedAttention { get => Decoder.NeedAttention; set => Decoder.NeedAttention = value; }

    /// <summary>Images (N, C, H, W) → encoder output with memory (N, S, d) and no padding.</summary>
    public EncoderOutput EncodeImages(Tensor images)
    {
        return EncoderOutput.Unpadded(Encoder.Forward(images));             // memory (N, S, d)
    }

    /// <summary>Teacher-forced: images (N, C, H, W) and target inputs (N, T) → logits (N, T, V).</summary>
    public Tensor Forward(Tensor images, IndexTensor targetInputs)
    {
        var enc = EncodeImages(images);
        var dec = Decoder.Forward(TgtEmbed.Forward(targetInputs), enc);     // (N, T, d)
        return Generator.Forward(dec.Hidden);                               // (N, T, V)
    }

    public IDecoderState InitialState(EncoderOutput encoder) => Decoder.InitialState(encoder);

    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state)
        => DecodeStep(tokens, position, encoder, state, NeedAttention);

    /// <summary>One decoding step; with <paramref name="withAttention"/> the result carries the cross-attention over the image regions (B, S).</summary>
    public StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state, bool withAttention)
    {
        var ids = new IndexTensor(tokens, tokens.Length, 1);                // (B, 1)
        var (output, next) = Decoder.Step(TgtEmbed.Forward(ids, position), encoder, state, withAttention);
        var logits = Generator.Forward(output.Hidden).Reshape(tokens.Length, -1);   // (B, V)
        return new StepResult(logits, output.Attention?.Reshape(tokens.Length, -1), next);   // attention (B, S)
    }

    /// <summary>
    /// This model as an <see cref="ISeq2SeqModel"/> over a batch of images: the generator's "source" of row i is the
    /// index of the image (repeated once per image region), so beam search, sampling and constraints work unchanged.
    /// </summary>
    public ImageSequenceSource ForImages(Tensor images) => new(this, images);
}
