using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// CLIP-style dual encoder (Radford et al., 2021): an image encoder (<see cref="CnnImageEncoder"/> pooled by default by the
/// mean over its grid, or <see cref="VitImageEncoder"/> pooled at its class token; <see cref="VisionConfig.Pooling"/> can
/// choose a learned-query <see cref="AttentionPool"/> (<c>image_pool</c>) or a projection of the flattened sequence
/// (<c>image_flatten</c>) instead) and a text encoder (token embedding + the Transformer encoder, mean-pooled over the
/// real tokens, or attention-pooled: <c>text_pool</c>), each followed by a linear projection without bias to
/// <see cref="ModelConfig.ProjectionDim"/> and L2 normalisation; the learned temperature is <c>logit_scale</c> (a
/// log-scale scalar, initialised to ln(1/0.07) and capped at ln 100 as in CLIP). Train with
/// <c>Loss</c> (<c>F.SymmetricInfoNce</c>).
/// </summary>
public sealed class DualEncoder : Module
{
    public Module ImageEncoder { get; }
    public TransformerEmbedding TextEmbed { get; }
    public TransformerEncoderPart TextEncoder { get; }
    public Linear ImageProjection { get; }
    public Linear TextProjection { get; }
    public Tensor LogitScale { get; }
    /// <summary>The image attention pooling (<see cref="ImagePooling.Attention"/>), else null.</summary>
    public AttentionPool? ImagePool { get; }
    /// <summary>The flattened-sequence projection (S·d → d) of <see cref="ImagePooling.Flatten"/>, else null.</summary>
    public Linear? ImageFlatten { get; }
    /// <summary>The text attention pooling (<see cref="TextPooling.Attention"/>), else null.</summary>
    public AttentionPool? TextPool { get; }
    [NotState] public ImagePooling Pooling { get; }
    /// <summary>CoCa's captioning head (<see cref="VisionConfig.CaptionLossWeight"/> &gt; 0): the caption's embedding, else null.</summary>
    public TransformerEmbedding? CaptionEmbed { get; }
    /// <summary>The captioning head's Transformer decoder (<see cref="ModelConfig.DecoderLayers"/> layers) over the image sequence, else null.</summary>
    public TransformerDecoderPart? CaptionDecoder { get; }
    /// <summary>The captioning head's output layer (d → vocabulary), else null.</summary>
    public Linear? CaptionHead { get; }
    /// <summary>λ of the captioning loss added to the contrastive one (0 = no captioning head).</summary>
    [NotState] public float CaptionWeight { get; }

    public DualEncoder(ModelConfig c, Rng rng)
    {
        var v = c.Vision ?? throw new UserInputException("model config: dual_encoder needs the vision settings");
        ImageEncoder = v.Encoder == ImageEncoderKind.Vit ? new VitImageEncoder(v, c, rng) : new CnnImageEncoder(v, c.DModel, c.Dropout, rng, CnnImageEncoder.ContextLayer(c));
        var layer = new TransformerLayerOptions(c.DModel, c.Heads, c.FeedForward, c.Dropout, c.Activation, c.Norm);
        var tok = ModelFactory.ScaledEmbedding(c.SrcVocabSize, c.DModel, c.PadId, rng);
        TextEmbed = new TransformerEmbedding(tok, c.Positional, c.MaxPositions, c.Dropout, rng);
        TextEncoder = new TransformerEncoderPart(new TransformerEncoder(layer, c.EncoderLayers, c.FinalNorm ?? c.Norm == NormPosition.Pre, rng));
        TransformerInit.XavierReset(rng, TextEncoder.Stack);
        ImageProjection = new Linear(c.DModel, c.ProjectionDim, bias: false, rng);
        TextProjection = new Linear(c.DModel, c.ProjectionDim, bias: false, rng);
        LogitScale = Init.Constant(MathF.Log(1f / 0.07f));
        Pooling = v.Pooling == ImagePooling.Default ? (v.Encoder == ImageEncoderKind.Vit ? ImagePooling.Default : ImagePooling.Mean) : v.Pooling;
        if (Pooling == ImagePooling.Attention) ImagePool = new AttentionPool(c.DModel, c.Heads, rng);
        if (Pooling == ImagePooling.Flatten) ImageFlatten = new Linear(Encoder.SequenceLength * c.DModel, c.DModel, bias: true, rng);
        if (v.TextPooling == TextPooling.Attention) TextPool = new AttentionPool(c.DModel, c.Heads, rng);
        CaptionWeight = v.CaptionLossWeight;
        if (CaptionWeight > 0)
        {
            (CaptionEmbed, CaptionDecoder, CaptionHead) = ModelFactory.TransformerDecoderHead(c, c.SrcVocabSize, tieOutput: false, rng);
        }
    }

    public IImageEncoder Encoder => (IImageEncoder)ImageEncoder;

    /// <summary>Images (N, C, H, W) → unit-length embeddings (N, P).</summary>
    public Tensor EncodeImages(Tensor images) => PoolImages(Encoder.Forward(images));

    /// <summary>The image encoder's sequence (N, S, d) → unit-length embeddings (N, P).</summary>
    private Tensor PoolImages(Tensor seq)
    {
        var pooled = Pooling switch
        {
            ImagePooling.Attention => ImagePool!.Forward(seq),                // (N, d)
            ImagePooling.Flatten => ImageFlatten!.Forward(seq.Flatten(1)),    // (N, S·d)·(S·d, d) → (N, d)
            ImagePooling.Mean => seq.Mean(1),                                 // (N, d)
            _ => seq.Select(1, 0),                                            // ViT class token (N, d)
        };
        return F.Normalize(ImageProjection.Forward(pooled));                 // (N, d)·(d, P) → (N, P)
    }

    /// <summary>Token ids (N, T), right-padded, with their lengths → unit-length embeddings (N, P).</summary>
    public Tensor EncodeTexts(IndexTensor ids, int[] lengths)
    {
        var enc = TextEncoder.Forward(TextEmbed.Forward(ids), lengths);      // (N, T, d)
        int n = ids.Shape[0], t = ids.Shape[1];
        if (TextPool is not null)
        {
            var pad = new float[n * t];
            for (int b = 0; b < n; b++)
                for (int j = lengths[b]; j < t; j++) pad[b * t + j] = 1f;
            var mask = Tensor.FromArray(pad, n, t);                           // (N, T): 1 = padding
            return F.Normalize(TextProjection.Forward(TextPool.Forward(enc.Memory, mask)));   // (N, d)·(d, P) → (N, P)
        }
        var keep = new float[n * t];
        for (int b = 0; b < n; b++)
            for (int j = 0; j < lengths[b]; j++) keep[b * t + j] = 1f / Math.Max(1, lengths[b]);
        var weights = Tensor.FromArray(keep, n, t, 1);                       // (N, T, 1): 1/length on real tokens
        var pooled = (enc.Memory * weights).Sum(1);                          // (N, d)
        return F.Normalize(TextProjection.Forward(pooled));                  // (N, P)
    }

    /// <summary>The temperature's inverse in use: exp(logit_scale) capped at 100.</summary>
    public float Scale => F.ClampedScale(LogitScale).Item();

    /// <summary>The symmetric contrastive loss of a batch of pairs (see <c>F.SymmetricInfoNce</c>).</summary>
    public Tensor Loss(Tensor images, IndexTensor ids, int[] lengths, IReadOnlyList<int>? groups = null)
        => F.SymmetricInfoNce(EncodeImages(images), EncodeTexts(ids, lengths), LogitScale, groups);

    /// <summary>
    /// CoCa's loss (Yu et al., 2022): the contrastive loss plus <see cref="CaptionWeight"/> × the captioning head's
    /// teacher-forced cross-entropy on the same captions (decoder inputs <paramref name="captionInput"/> (N, L) =
    /// [BOS] + ids, targets <paramref name="captionTarget"/> (N·L) = ids + [EOS], PAD ignored), the decoder attending over
    /// the image encoder's whole sequence; retrieval still scores the pooled embeddings.
    /// </summary>
    public Tensor Loss(Tensor images, IndexTensor ids, int[] lengths, IReadOnlyList<int>? groups, IndexTensor captionInput, IndexTensor captionTarget)
    {
        var seq = Encoder.Forward(images);                                   // (N, S, d)
        var contrastive = F.SymmetricInfoNce(PoolImages(seq), EncodeTexts(ids, lengths), LogitScale, groups);
        return contrastive + CaptionLoss(seq, captionInput, captionTarget) * CaptionWeight;
    }

    /// <summary>The captioning head's cross-entropy over an image sequence (N, S, d) (see the CoCa <see cref="Loss(Tensor, IndexTensor, int[], IReadOnlyList{int}, IndexTensor, IndexTensor)"/>).</summary>
    public Tensor CaptionLoss(Tensor imageSequence, IndexTensor captionInput, IndexTensor captionTarget)
    {
        if (CaptionDecoder is null) throw new InvalidOperationException("this dual encoder has no captioning head (vision.caption_loss_weight is 0)");
        var hidden = CaptionDecoder.Forward(CaptionEmbed!.Forward(captionInput), EncoderOutput.Unpadded(imageSequence)).Hidden;   // (N, L, d)
        var logits = CaptionHead!.Forward(hidden);                                                 // (N, L, d)·(d, V) → (N, L, V)
        return F.CrossEntropy(logits.Reshape(-1, logits.Shape[^1]), captionTarget, ignoreIndex: Text.Vocabulary.PadId);   // (N·L, V)
    }

    /// <summary>
    /// The loss with hard-negative texts (<paramref name="negIds"/>, M rows) seen by the image→text direction only;
    /// <paramref name="groups"/> holds the N pairs' ids, then the M negatives' (see the hard-negative <see cref="F.SymmetricInfoNce(Tensor, Tensor, Tensor, Tensor, IReadOnlyList{int})"/>).
    /// </summary>
    public Tensor Loss(Tensor images, IndexTensor ids, int[] lengths, IndexTensor negIds, int[] negLengths, IReadOnlyList<int> groups)
        => F.SymmetricInfoNce(EncodeImages(images), EncodeTexts(ids, lengths), EncodeTexts(negIds, negLengths), LogitScale, groups);
}
