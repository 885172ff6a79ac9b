using System.Text.Json.Serialization;
using EncDec.Nn;

namespace EncDec.Models;

public sealed partial record ModelConfig
{
    /// <summary>Per-layer heads and FFN widths of a structurally pruned Transformer; null (every earlier config) = uniform.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PrunedWidths? Pruned { get; init; }

    /// <summary>The options of each encoder layer: <paramref name="layer"/> with this layer's heads and FFN width when pruned.</summary>
    internal TransformerLayerOptions[] EncoderLayerOptions(TransformerLayerOptions layer)
        => Enumerable.Range(0, EncoderLayers).Select(i => Pruned is null ? layer : layer with
        {
            NHeads = Pruned.EncoderHeads?[i] ?? Heads, DimFeedForward = Pruned.EncoderFeedForward?[i] ?? FeedForward, HeadDim = DModel / Heads,
        }).ToArray();

    /// <summary>The options of each decoder layer (self- and cross-attention heads and FFN width when pruned).</summary>
    internal TransformerLayerOptions[] DecoderLayerOptions(TransformerLayerOptions layer)
        => Enumerable.Range(0, DecoderLayers).Select(i => Pruned is null ? layer : layer with
        {
            NHeads = Pruned.DecoderSelfHeads?[i] ?? Heads, CrossHeads = Pruned.DecoderCrossHeads?[i] ?? Heads,
            DimFeedForward = Pruned.DecoderFeedForward?[i] ?? FeedForward, HeadDim = DModel / Heads,
        }).ToArray();
}
