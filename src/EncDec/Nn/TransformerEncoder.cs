using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>A stack of encoder layers (<c>layers.N</c>) with an optional final <c>norm</c> (used with pre-norm), like <c>nn.TransformerEncoder</c>.</summary>
public sealed class TransformerEncoder : Module
{
    public ModuleList<TransformerEncoderLayer> Layers { get; }
    public LayerNorm? Norm { get; }

    public TransformerEncoder(TransformerLayerOptions options, int numLayers, bool finalNorm = false, Rng? rng = null)
        : this(Enumerable.Repeat(options, numLayers).ToArray(), finalNorm, rng, options) { }

    /// <summary>One options record per layer (a pruned model's layers differ in heads and FFN width); <paramref name="shape"/> gives the final norm's width.</summary>
    public TransformerEncoder(IReadOnlyList<TransformerLayerOptions> layers, bool finalNorm, Rng? rng, TransformerLayerOptions shape)
    {
        Layers = new ModuleList<TransformerEncoderLayer>(layers.Select(o => new TransformerEncoderLayer(o, rng)));
        Norm = finalNorm ? new LayerNorm(shape.DModel, shape.LayerNormEps) : null;
    }

    /// <summary>src (B, T, d) → (B, T, d).</summary>
    public Tensor Forward(Tensor src, Tensor? srcKeyPaddingMask = null, Tensor? srcMask = null)
    {
        var x = src;
        foreach (var layer in Layers) x = layer.Forward(x, srcKeyPaddingMask, srcMask);
        return Norm is null ? x : Norm.Forward(x);
    }
}
