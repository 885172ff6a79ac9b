using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// Vision Transformer encoder: non-overlapping p×p patches embedded by a Conv2d with kernel = stride = p
/// (<c>patch_embed</c>), a learned class token prepended, learned positions (<c>pos_embed</c>), a Transformer
/// encoder (pre-norm as ViT) and a final LayerNorm. Output (N, 1 + gh·gw, d): the class token first.
/// </summary>
public sealed class VitImageEncoder : Module, IImageEncoder
{
    public Conv2d PatchEmbed { get; }
    public Tensor ClsToken { get; }
    public Tensor PosEmbed { get; }
    public Dropout Dropout { get; }
    public TransformerEncoder Layers { get; }
    public (int Rows, int Cols) Grid { get; }
    public int SequenceLength => 1 + Grid.Rows * Grid.Cols;

    public VitImageEncoder(VisionConfig v, ModelConfig c, Rng rng)
    {
        PatchEmbed = new Conv2d(v.Channels, c.DModel, v.PatchSize, v.PatchSize, 0, rng: rng);
        Grid = (v.GridHeight, v.GridWidth);
        ClsToken = Init.Normal(0.02f, rng, 1, 1, c.DModel);
        PosEmbed = Init.Normal(0.02f, rng, 1, SequenceLength, c.DModel);
        Dropout = new Dropout(c.Dropout, rng);
        var layer = new TransformerLayerOptions(c.DModel, c.Heads, c.FeedForward, c.Dropout, Activation.Gelu, NormPosition.Pre);
        Layers = new TransformerEncoder(layer, c.EncoderLayers, finalNorm: true, rng);
    }

    public Tensor Forward(Tensor images)
    {
        int n = images.Shape[0];
        var p = PatchEmbed.Forward(images);                                  // (N, d, gh, gw)
        if (p.Shape[2] != Grid.Rows || p.Shape[3] != Grid.Cols)
            throw new ArgumentException($"image {ShapeUtil.Format(images.Shape)} gives a {p.Shape[2]}×{p.Shape[3]} patch grid; the model was built for {Grid.Rows}×{Grid.Cols}");
        var seq = p.Flatten(2).Transpose(1, 2);                              // (N, gh·gw, d)
        var cls = ClsToken.Expand(n, 1, -1);                                 // (N, 1, d)
        var x = F.Concat([cls, seq], 1) + PosEmbed;                          // (N, 1 + gh·gw, d)
        return Layers.Forward(Dropout.Forward(x));
    }
}
