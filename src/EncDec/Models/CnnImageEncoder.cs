using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// CNN image encoder: 3×3 stem (conv, BatchNorm, ReLU), one strided <see cref="ResidualBlock"/> per stage (each halves
/// the grid), a 1×1 projection to d_model, then the grid flattened row-major with learned positions and dropout, and
/// optionally <see cref="VisionConfig.CnnContextLayers"/> pre-norm Transformer encoder layers over the grid (<c>context</c>)
/// so that each region's feature knows its neighbours (which digit of the row it is).
/// </summary>
public sealed class CnnImageEncoder : Module, IImageEncoder
{
    public Conv2d Stem { get; }
    public BatchNorm2d StemBn { get; }
    public ModuleList<ResidualBlock> Blocks { get; }
    public Conv2d Proj { get; }
    public LearnedPositionalEmbedding Positions { get; }
    public Dropout Dropout { get; }
    public TransformerEncoder? Context { get; }
    public (int Rows, int Cols) Grid { get; }
    /// <summary>Whether the conv grid is averaged over its rows (<see cref="VisionConfig.CnnPoolRows"/>).</summary>
    [NotState] public bool PoolRows { get; }
    [NotState] public int ConvRows { get; }
    public int SequenceLength => Grid.Rows * Grid.Cols;

    /// <param name="context">The layer shape of the <see cref="VisionConfig.CnnContextLayers"/> context layers (needed when there are any).</param>
    public CnnImageEncoder(VisionConfig v, int dModel, float dropout, Rng rng, TransformerLayerOptions? context = null)
    {
        Stem = new Conv2d(v.Channels, v.CnnWidth, 3, 1, 1, bias: false, rng: rng);
        StemBn = new BatchNorm2d(v.CnnWidth);
        var blocks = new List<ResidualBlock>();
        int c = v.CnnWidth;
        foreach (var mult in v.CnnStages) { blocks.Add(new ResidualBlock(c, v.CnnWidth * mult, 2, rng)); c = v.CnnWidth * mult; }
        Blocks = new ModuleList<ResidualBlock>(blocks);
        Proj = new Conv2d(c, dModel, 1, rng: rng);
        Grid = (v.GridHeight, v.GridWidth);
        PoolRows = v.CnnPoolRows;
        ConvRows = v.Height >> v.CnnStages.Length;
        Positions = new LearnedPositionalEmbedding(SequenceLength, dModel, rng);
        TensorPrimitives.Multiply(Positions.Weight.Span, 0.02f, Positions.Weight.Span);
        Dropout = new Dropout(dropout, rng);
        if (v.CnnContextLayers > 0)
            Context = new TransformerEncoder(context ?? throw new ArgumentException("context layers need their layer options", nameof(context)), v.CnnContextLayers, finalNorm: true, rng);
    }

    /// <summary>The context layers' shape: the model's d_model, heads and feed-forward, GELU, pre-norm (as ViT's).</summary>
    public static TransformerLayerOptions ContextLayer(ModelConfig c) => new(c.DModel, c.Heads, c.FeedForward, c.Dropout, Activation.Gelu, NormPosition.Pre);

    public Tensor Forward(Tensor images)
    {
        var h = StemBn.Forward(Stem.Forward(images)).Relu();                 // (N, w, H, W)
        foreach (var b in Blocks) h = b.Forward(h);                          // (N, c, H/2^k, W/2^k)
        h = Proj.Forward(h);                                                 // (N, d, gh, gw)
        if (h.Shape[2] != ConvRows || h.Shape[3] != Grid.Cols)
            throw new ArgumentException($"image {ShapeUtil.Format(images.Shape)} gives a {h.Shape[2]}×{h.Shape[3]} grid; the model was built for {ConvRows}×{Grid.Cols}");
        if (PoolRows) h = h.Mean(2, keepDim: true);                          // (N, d, 1, gw)
        var seq = h.Flatten(2).Transpose(1, 2);                              // (N, gh·gw, d)
        var x = Dropout.Forward(Positions.Forward(seq));                     // (N, gh·gw, d)
        return Context is null ? x : Context.Forward(x);                     // (N, gh·gw, d)
    }
}
