using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// CLIP-style dual encoder (Radford et al., 2021): an image encoder (<see cref="CnnImageEncoder"/> pooled by the mean
/// over its grid, or <see cref="VitImageEncoder"/> pooled at its class token) and a text encoder (token embedding +
/// the Transformer encoder, mean-pooled over the real tokens), each followed by a linear projection without bias to
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
    }

    public IImageEncoder Encoder => (IImageEncoder)ImageEncoder;

    /// <summary>Images (N, C, H, W) → unit-length embeddings (N, P).</summary>
    public Tensor EncodeImages(Tensor images)
    {
        var seq = Encoder.Forward(images);                                   // (N, S, d)
        var pooled = ImageEncoder is VitImageEncoder ? seq.Select(1, 0) : seq.Mean(1);   // (N, d)
        return F.Normalize(ImageProjection.Forward(pooled));                 // (N, d)·(d, P) → (N, P)
    }

    /// <summary>Token ids (N, T), right-padded, with their lengths → unit-length embeddings (N, P).</summary>
    public Tensor EncodeTexts(IndexTensor ids, int[] lengths)
    {
        var enc = TextEncoder.Forward(TextEmbed.Forward(ids), lengths);      // (N, T, d)
        int n = ids.Shape[0], t = ids.Shape[1];
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
    /// The loss with hard-negative texts (<paramref name="negIds"/>, M rows) seen by the image→text direction only;
    /// <paramref name="groups"/> holds the N pairs' ids, then the M negatives' (see the hard-negative <see cref="F.SymmetricInfoNce(Tensor, Tensor, Tensor, Tensor, IReadOnlyList{int})"/>).
    /// </summary>
    public Tensor Loss(Tensor images, IndexTensor ids, int[] lengths, IndexTensor negIds, int[] negLengths, IReadOnlyList<int> groups)
        => F.SymmetricInfoNce(EncodeImages(images), EncodeTexts(ids, lengths), EncodeTexts(negIds, negLengths), LogitScale, groups);
}
