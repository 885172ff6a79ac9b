using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>A stack of decoder layers (<c>layers.N</c>) with an optional final <c>norm</c>, like <c>nn.TransformerDecoder</c>.</summary>
public sealed class TransformerDecoder : Module
{
    public ModuleList<TransformerDecoderLayer> Layers { get; }
    public LayerNorm? Norm { get; }

    public TransformerDecoder(TransformerLayerOptions options, int numLayers, bool finalNorm = false, Rng? rng = null)
        : this(Enumerable.Repeat(options, numLayers).ToArray(), finalNorm, rng, options) { }

    /// <summary>One options record per layer (a pruned model's layers differ in heads and FFN width); <paramref name="shape"/> gives the final norm's width.</summary>
    public TransformerDecoder(IReadOnlyList<TransformerLayerOptions> layers, bool finalNorm, Rng? rng, TransformerLayerOptions shape)
    {
        Layers = new ModuleList<TransformerDecoderLayer>(layers.Select(o => new TransformerDecoderLayer(o, rng)));
        Norm = finalNorm ? new LayerNorm(shape.DModel, shape.LayerNormEps) : null;
    }

    /// <summary>tgt (B, Tt, d), memory (B, Ts, d) → (B, Tt, d).</summary>
    public Tensor Forward(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? tgtKeyPaddingMask = null,
                          Tensor? memoryKeyPaddingMask = null, bool tgtIsCausal = false)
    {
        var x = tgt;
        foreach (var layer in Layers) x = layer.Forward(x, memory, tgtMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal);
        return Norm is null ? x : Norm.Forward(x);
    }

    /// <summary><see cref="Forward"/> plus the last layer's cross-attention averaged over heads (B, Tt, Ts); the other layers run as usual.</summary>
    public (Tensor Output, Tensor CrossAttention) ForwardWithCrossAttention(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? tgtKeyPaddingMask = null,
                          Tensor? memoryKeyPaddingMask = null, bool tgtIsCausal = false)
    {
        if (Layers.Count == 0) throw new InvalidOperationException("a decoder without layers has no cross-attention");
        var x = tgt;
        for (int i = 0; i < Layers.Count - 1; i++) x = Layers[i].Forward(x, memory, tgtMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal);
        var (y, w) = Layers[^1].ForwardWithCrossAttention(x, memory, tgtMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal);
        return (Norm is null ? y : Norm.Forward(y), w);
    }

    /// <summary>Each layer's self-attention projections packed for decoding (a copy of the current weights; see <see cref="PackedQkvProjection"/>).</summary>
    public IReadOnlyList<PackedQkvProjection?> PackSelfAttention() => Layers.Select(l => l.SelfAttn.PackQkv()).ToArray();

    /// <summary>Each layer's weights packed for a decoding run (<see cref="TransformerDecoderLayer.PackForDecoding"/>; a copy of the current weights).</summary>
    public IReadOnlyList<PackedDecoderLayer> PackForDecoding() => Layers.Select(l => l.PackForDecoding()).ToArray();

    /// <summary>Per-layer cross-attention caches for <paramref name="memory"/> (B, Ts, d).</summary>
    public IReadOnlyList<AttentionCache> PrecomputeMemory(Tensor memory) => Layers.Select(l => l.PrecomputeMemory(memory)).ToArray();

    /// <summary>
    /// One decoding step through every layer: xStep (B, 1, d) → (y (B, 1, d), new per-layer self caches).
    /// <paramref name="selfCaches"/> is null at the first step.
    /// </summary>
    public (Tensor Output, IReadOnlyList<AttentionCache> SelfCaches) ForwardIncremental(Tensor xStep, IReadOnlyList<AttentionCache> memoryCaches,
        IReadOnlyList<AttentionCache>? selfCaches, Tensor? memoryKeyPaddingMask = null)
    {
        var (y, next, _) = ForwardIncremental(xStep, memoryCaches, selfCaches, memoryKeyPaddingMask, needCrossAttention: false);
        return (y, next);
    }

    /// <summary>
    /// One decoding step that, with <paramref name="needCrossAttention"/>, also returns the last layer's
    /// cross-attention averaged over heads (B, 1, Ts).
    /// </summary>
    public (Tensor Output, IReadOnlyList<AttentionCache> SelfCaches, Tensor? CrossAttention) ForwardIncremental(Tensor xStep,
        IReadOnlyList<AttentionCache> memoryCaches, IReadOnlyList<AttentionCache>? selfCaches, Tensor? memoryKeyPaddingMask, bool needCrossAttention)
        => ForwardIncremental(xStep, memoryCaches, selfCaches, memoryKeyPaddingMask, needCrossAttention, (IReadOnlyList<PackedDecoderLayer?>?)null);

    /// <summary>The step with each layer's self-attention projections packed (<see cref="PackSelfAttention"/>; null: unpacked); same result.</summary>
    public (Tensor Output, IReadOnlyList<AttentionCache> SelfCaches, Tensor? CrossAttention) ForwardIncremental(Tensor xStep,
        IReadOnlyList<AttentionCache> memoryCaches, IReadOnlyList<AttentionCache>? selfCaches, Tensor? memoryKeyPaddingMask, bool needCrossAttention,
        IReadOnlyList<PackedQkvProjection?>? packedSelf)
        => ForwardIncremental(xStep, memoryCaches, selfCaches, memoryKeyPaddingMask, needCrossAttention, packedSelf?.Select(PackedDecoderLayer.OfSelf).ToArray());

    /// <summary>The step with each layer's weights packed (<see cref="PackForDecoding"/>; null: unpacked); the same result up to rounding.</summary>
    public (Tensor Output, IReadOnlyList<AttentionCache> SelfCaches, Tensor? CrossAttention) ForwardIncremental(Tensor xStep,
        IReadOnlyList<AttentionCache> memoryCaches, IReadOnlyList<AttentionCache>? selfCaches, Tensor? memoryKeyPaddingMask, bool needCrossAttention,
        IReadOnlyList<PackedDecoderLayer?>? packed)
    {
        var x = xStep;
        var next = new AttentionCache[Layers.Count];
        Tensor? w = null;
        for (int i = 0; i < Layers.Count; i++)
            (x, next[i], w) = Layers[i].ForwardIncremental(x, memoryCaches[i], selfCaches?[i], memoryKeyPaddingMask, needCrossAttention && i == Layers.Count - 1,
                                                           packed?[i]);
        return (Norm is null ? x : Norm.Forward(x), next, w);
    }
}
