namespace EncDec.Nn;

/// <summary>
/// A Transformer decoder layer's weights packed for one decoding run (<see cref="TransformerDecoderLayer.PackForDecoding"/>):
/// the self-attention's stacked query/key/value projection and its output projection, the cross-attention's query and
/// output projections (its keys and values are projected once per source) and the feed-forward layers. Each part is null
/// where packing does not apply (then the layer's own weights run). A snapshot of the current weights, kept in the
/// decoding state; inference only.
/// </summary>
public sealed class PackedDecoderLayer(PackedQkvProjection? selfQkv, PackedLinear? selfOut, PackedLinear? crossQuery, PackedLinear? crossOut,
                                       PackedLinear? linear1, PackedLinear? linear2)
{
    public PackedQkvProjection? SelfQkv { get; } = selfQkv;
    public PackedLinear? SelfOut { get; } = selfOut;
    public PackedLinear? CrossQuery { get; } = crossQuery;
    public PackedLinear? CrossOut { get; } = crossOut;
    public PackedLinear? Linear1 { get; } = linear1;
    public PackedLinear? Linear2 { get; } = linear2;

    /// <summary>Only the stacked self-attention projection (what <see cref="MultiheadAttention.PackQkv"/> gives).</summary>
    public static PackedDecoderLayer? OfSelf(PackedQkvProjection? selfQkv) => selfQkv is null ? null : new(selfQkv, null, null, null, null, null);
}
