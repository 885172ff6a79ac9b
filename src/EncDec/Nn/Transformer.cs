using EncDec.Nn.LongAttention;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>Activation of a feed-forward block.</summary>
public enum Activation { Relu, Gelu }

/// <summary>Where layer normalisation sits: after each residual sum (PyTorch <c>norm_first=False</c>) or before each sublayer (<c>norm_first=True</c>).</summary>
public enum NormPosition { Post, Pre }

/// <summary>Hyper-parameters of one Transformer encoder or decoder layer (PyTorch's defaults). <paramref name="SelfAttention"/>:
/// the core of the self-attention sublayer (null = full attention); cross-attention is always full.</summary>
public sealed record TransformerLayerOptions(int DModel, int NHeads, int DimFeedForward = 2048, float Dropout = 0.1f,
                                             Activation Activation = Activation.Relu, NormPosition Norm = NormPosition.Post,
                                             float LayerNormEps = 1e-5f, AttentionCoreOptions? SelfAttention = null)
{
    /// <summary>Width of one attention head; null = DModel / NHeads. Set by a structurally pruned model (fewer heads of the original width).</summary>
    public int? HeadDim { get; init; }
    /// <summary>Heads of a decoder layer's cross-attention; null = <see cref="NHeads"/>.</summary>
    public int? CrossHeads { get; init; }
}

/// <summary>
/// Linear → ReLU|GELU → dropout → Linear, with PyTorch's names <c>linear1</c>, <c>linear2</c>. Transformer layers
/// build one over their own <c>linear1</c>/<c>dropout</c>/<c>linear2</c> so the parameters keep PyTorch's flat names.
/// </summary>
public sealed class PositionwiseFeedForward : Module
{
    public Linear Linear1 { get; }
    public Dropout Dropout { get; }
    public Linear Linear2 { get; }
    public Activation Activation { get; }

    public PositionwiseFeedForward(int dModel, int dimFeedForward, Activation activation = Activation.Relu, float dropout = 0f, Rng? rng = null)
        : this(new Linear(dModel, dimFeedForward, rng: rng), new Dropout(dropout, rng), new Linear(dimFeedForward, dModel, rng: rng), activation) { }

    /// <summary>Wraps existing modules (shared, not copied).</summary>
    public PositionwiseFeedForward(Linear linear1, Dropout dropout, Linear linear2, Activation activation)
    {
        Linear1 = linear1; Dropout = dropout; Linear2 = linear2; Activation = activation;
    }

    /// <summary>(…, d) → (…, d).</summary>
    public Tensor Forward(Tensor x)
    {
        var h = Linear1.Forward(x);                                          // (…, F)
        h = Activation == Activation.Gelu ? h.Gelu() : h.Relu();
        return Linear2.Forward(Dropout.Forward(h));                          // (…, d)
    }
}

/// <summary>
/// PyTorch's <c>nn.TransformerEncoderLayer</c> (batch_first): self-attention and feed-forward sublayers with
/// residuals, post- or pre-norm. State names: <c>self_attn.{q,k,v,out}_proj</c>, <c>linear1</c>, <c>linear2</c>,
/// <c>norm1</c>, <c>norm2</c>.
/// </summary>
public sealed class TransformerEncoderLayer : Module
{
    public MultiheadAttention SelfAttn { get; }
    public Linear Linear1 { get; }
    public Dropout Dropout { get; }
    public Linear Linear2 { get; }
    public LayerNorm Norm1 { get; }
    public LayerNorm Norm2 { get; }
    public Dropout Dropout1 { get; }
    public Dropout Dropout2 { get; }
    [NotState] public PositionwiseFeedForward FeedForward { get; }
    public TransformerLayerOptions Options { get; }

    public TransformerEncoderLayer(TransformerLayerOptions options, Rng? rng = null)
    {
        Options = options;
        SelfAttn = new MultiheadAttention(options.DModel, options.NHeads, options.Dropout, rng: rng, core: AttentionCores.Create(options.SelfAttention), headDim: options.HeadDim);
        Linear1 = new Linear(options.DModel, options.DimFeedForward, rng: rng);
        Dropout = new Dropout(options.Dropout, rng);
        Linear2 = new Linear(options.DimFeedForward, options.DModel, rng: rng);
        Norm1 = new LayerNorm(options.DModel, options.LayerNormEps);
        Norm2 = new LayerNorm(options.DModel, options.LayerNormEps);
        Dropout1 = new Dropout(options.Dropout, rng);
        Dropout2 = new Dropout(options.Dropout, rng);
        FeedForward = new PositionwiseFeedForward(Linear1, Dropout, Linear2, options.Activation);
    }

    /// <summary>src (B, T, d) → (B, T, d). <paramref name="srcKeyPaddingMask"/> (B, T) nonzero = pad; <paramref name="srcMask"/> additive (T, T).</summary>
    public Tensor Forward(Tensor src, Tensor? srcKeyPaddingMask = null, Tensor? srcMask = null, bool isCausal = false)
    {
        if (!GradMode.IsEnabled)
        {
            // without a graph nothing reads the layer's intermediates again: they go back to the pool here, not when the
            // caller's scope ends (a validation batch would otherwise hold every layer's temporaries at once)
            using var scope = TensorScope.Begin();
            return scope.Keep(ForwardCore(src, srcKeyPaddingMask, srcMask, isCausal));
        }
        return ForwardCore(src, srcKeyPaddingMask, srcMask, isCausal);
    }

    private Tensor ForwardCore(Tensor src, Tensor? srcKeyPaddingMask, Tensor? srcMask, bool isCausal)
    {
        var x = src;
        long mark = Tensor.RegionMark();
        if (Options.Norm == NormPosition.Pre)
        {
            x = x + SelfAttention(Norm1.Forward(x), srcKeyPaddingMask, srcMask, isCausal);
            x = x + Dropout2.Forward(FeedForward.Forward(Norm2.Forward(x)));
        }
        else
        {
            x = Norm1.Forward(x + SelfAttention(x, srcKeyPaddingMask, srcMask, isCausal));
            x = Norm2.Forward(x + Dropout2.Forward(FeedForward.Forward(x)));
        }
        Tensor.ReleaseUnsaved(x, mark);   // in a training step: this layer's results that no backward reads
        return x;
    }

    /// <summary>
    /// Causal self-attention over cached keys/values (a decoder-only model's step): xStep (B, S, d) after the
    /// positions in <paramref name="cache"/> (null at the first step) → (y (B, S, d), the new cache). Equals the matching
    /// rows of <see cref="Forward"/> with <c>isCausal</c>; <paramref name="keyPaddingMask"/> (B, T+S) masks cached positions.
    /// </summary>
    public (Tensor Output, AttentionCache Cache) ForwardIncremental(Tensor xStep, AttentionCache? cache, Tensor? keyPaddingMask = null)
    {
        var x = xStep;
        if (Options.Norm == NormPosition.Pre)
        {
            var (sa, next) = SelfAttn.ForwardIncremental(Norm1.Forward(x), cache, keyPaddingMask);
            x = x + Dropout1.Forward(sa);
            return (x + Dropout2.Forward(FeedForward.Forward(Norm2.Forward(x))), next);
        }
        var (sp, nextPost) = SelfAttn.ForwardIncremental(x, cache, keyPaddingMask);
        x = Norm1.Forward(x + Dropout1.Forward(sp));
        return (Norm2.Forward(x + Dropout2.Forward(FeedForward.Forward(x))), nextPost);
    }

    private Tensor SelfAttention(Tensor x, Tensor? kpm, Tensor? mask, bool causal)
        => Dropout1.Forward(SelfAttn.Forward(x, x, x, kpm, mask, causal).Output);
}

/// <summary>
/// PyTorch's <c>nn.TransformerDecoderLayer</c> (batch_first): causal self-attention, cross-attention over the
/// memory and feed-forward, post- or pre-norm. State names: <c>self_attn</c>, <c>multihead_attn</c>,
/// <c>linear1</c>, <c>linear2</c>, <c>norm1</c>, <c>norm2</c>, <c>norm3</c>.
/// </summary>
public sealed class TransformerDecoderLayer : Module
{
    public MultiheadAttention SelfAttn { get; }
    public MultiheadAttention MultiheadAttn { get; }
    public Linear Linear1 { get; }
    public Dropout Dropout { get; }
    public Linear Linear2 { get; }
    public LayerNorm Norm1 { get; }
    public LayerNorm Norm2 { get; }
    public LayerNorm Norm3 { get; }
    public Dropout Dropout1 { get; }
    public Dropout Dropout2 { get; }
    public Dropout Dropout3 { get; }
    [NotState] public PositionwiseFeedForward FeedForward { get; }
    public TransformerLayerOptions Options { get; }

    public TransformerDecoderLayer(TransformerLayerOptions options, Rng? rng = null)
    {
        Options = options;
        SelfAttn = new MultiheadAttention(options.DModel, options.NHeads, options.Dropout, rng: rng, core: AttentionCores.Create(options.SelfAttention), headDim: options.HeadDim);
        MultiheadAttn = new MultiheadAttention(options.DModel, options.CrossHeads ?? options.NHeads, options.Dropout, rng: rng, headDim: options.HeadDim);
        Linear1 = new Linear(options.DModel, options.DimFeedForward, rng: rng);
        Dropout = new Dropout(options.Dropout, rng);
        Linear2 = new Linear(options.DimFeedForward, options.DModel, rng: rng);
        Norm1 = new LayerNorm(options.DModel, options.LayerNormEps);
        Norm2 = new LayerNorm(options.DModel, options.LayerNormEps);
        Norm3 = new LayerNorm(options.DModel, options.LayerNormEps);
        Dropout1 = new Dropout(options.Dropout, rng);
        Dropout2 = new Dropout(options.Dropout, rng);
        Dropout3 = new Dropout(options.Dropout, rng);
        FeedForward = new PositionwiseFeedForward(Linear1, Dropout, Linear2, options.Activation);
    }

    /// <summary>
    /// tgt (B, Tt, d), memory (B, Ts, d) → (B, Tt, d). <paramref name="tgtMask"/> additive (Tt, Tt) and/or
    /// <paramref name="tgtIsCausal"/>; key padding masks (B, Tt) / (B, Ts), nonzero = pad.
    /// </summary>
    public Tensor Forward(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? tgtKeyPaddingMask = null,
                          Tensor? memoryKeyPaddingMask = null, bool tgtIsCausal = false, Tensor? memoryMask = null)
        => Core(tgt, memory, tgtMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryMask, false).Output;

    /// <summary>
    /// <see cref="Forward"/> that also returns the cross-attention probabilities averaged over heads (B, Tt, Ts)
    /// (differentiable; computed by the composed attention path, so slower than <see cref="Forward"/>).
    /// </summary>
    public (Tensor Output, Tensor CrossAttention) ForwardWithCrossAttention(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? tgtKeyPaddingMask = null,
                          Tensor? memoryKeyPaddingMask = null, bool tgtIsCausal = false, Tensor? memoryMask = null)
    {
        var (y, w) = Core(tgt, memory, tgtMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryMask, true);
        return (y, w!);
    }

    private (Tensor Output, Tensor? CrossAttention) Core(Tensor tgt, Tensor memory, Tensor? tgtMask, Tensor? tgtKeyPaddingMask,
                          Tensor? memoryKeyPaddingMask, bool tgtIsCausal, Tensor? memoryMask, bool needCross)
    {
        if (GradMode.IsEnabled) return CoreLayer(tgt, memory, tgtMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryMask, needCross);
        // without a graph the layer's intermediates go back to the pool when it returns (see the encoder layer)
        using var scope = TensorScope.Begin();
        var (y, w) = CoreLayer(tgt, memory, tgtMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryMask, needCross);
        return (scope.Keep(y), w is null ? null : scope.Keep(w));
    }

    private (Tensor Output, Tensor? CrossAttention) CoreLayer(Tensor tgt, Tensor memory, Tensor? tgtMask, Tensor? tgtKeyPaddingMask,
                          Tensor? memoryKeyPaddingMask, bool tgtIsCausal, Tensor? memoryMask, bool needCross)
    {
        var x = tgt;
        Tensor? w;
        long mark = Tensor.RegionMark();
        if (Options.Norm == NormPosition.Pre)
        {
            x = x + Dropout1.Forward(SelfAttnBlock(Norm1.Forward(x), tgtKeyPaddingMask, tgtMask, tgtIsCausal).Output);
            var (ca, cw) = MultiheadAttn.Forward(Norm2.Forward(x), memory, memory, memoryKeyPaddingMask, memoryMask, needWeights: needCross);
            w = cw;
            x = x + Dropout2.Forward(ca);
            x = x + Dropout3.Forward(FeedForward.Forward(Norm3.Forward(x)));
        }
        else
        {
            x = Norm1.Forward(x + Dropout1.Forward(SelfAttnBlock(x, tgtKeyPaddingMask, tgtMask, tgtIsCausal).Output));
            var (ca, cw) = MultiheadAttn.Forward(x, memory, memory, memoryKeyPaddingMask, memoryMask, needWeights: needCross);
            w = cw;
            x = Norm2.Forward(x + Dropout2.Forward(ca));
            x = Norm3.Forward(x + Dropout3.Forward(FeedForward.Forward(x)));
        }
        if (w is null) Tensor.ReleaseUnsaved(x, mark);   // in a training step: this layer's results that no backward reads
        else Tensor.ReleaseUnsaved(x, mark, w);
        return (x, w);
    }

    private (Tensor Output, Tensor? Weights) SelfAttnBlock(Tensor x, Tensor? kpm, Tensor? mask, bool causal)
        => SelfAttn.Forward(x, x, x, kpm, mask, causal);

    /// <summary>Cross-attention keys and values of <paramref name="memory"/> (B, Ts, d), computed once per source.</summary>
    public AttentionCache PrecomputeMemory(Tensor memory) => MultiheadAttn.PrecomputeKeyValue(memory);

    /// <summary>
    /// One decoding step: xStep (B, 1, d) with the cached memory keys/values and this layer's self-attention
    /// cache (null at the first step) → (y (B, 1, d), the new self-attention cache). Equals the matching rows of
    /// <see cref="Forward"/> with a causal target mask.
    /// </summary>
    public (Tensor Output, AttentionCache SelfCache) ForwardIncremental(Tensor xStep, AttentionCache memoryCache, AttentionCache? selfCache,
                                                                       Tensor? memoryKeyPaddingMask = null)
    {
        var (y, c, _) = ForwardIncremental(xStep, memoryCache, selfCache, memoryKeyPaddingMask, needCrossAttention: false);
        return (y, c);
    }

    /// <summary>
    /// <see cref="ForwardIncremental(Tensor, AttentionCache, AttentionCache?, Tensor?)"/> that, with
    /// <paramref name="needCrossAttention"/>, also returns the cross-attention probabilities averaged over heads (B, 1, Ts).
    /// </summary>
    public (Tensor Output, AttentionCache SelfCache, Tensor? CrossAttention) ForwardIncremental(Tensor xStep, AttentionCache memoryCache,
        AttentionCache? selfCache, Tensor? memoryKeyPaddingMask, bool needCrossAttention)
        => ForwardIncremental(xStep, memoryCache, selfCache, memoryKeyPaddingMask, needCrossAttention, null);

    /// <summary>
    /// The step with the self-attention's projections packed (<paramref name="packedSelf"/> from
    /// <c>SelfAttn.PackQkv()</c>, null: unpacked); same result.
    /// </summary>
    public (Tensor Output, AttentionCache SelfCache, Tensor? CrossAttention) ForwardIncremental(Tensor xStep, AttentionCache memoryCache,
        AttentionCache? selfCache, Tensor? memoryKeyPaddingMask, bool needCrossAttention, PackedQkvProjection? packedSelf)
    {
        var x = xStep;
        AttentionCache next;
        Tensor? w;
        if (Options.Norm == NormPosition.Pre)
        {
            var (sa, c) = SelfAttn.ForwardIncremental(Norm1.Forward(x), selfCache, null, packedSelf);
            next = c;
            x = x + Dropout1.Forward(sa);
            var (ca, cw) = MultiheadAttn.ForwardWithCache(Norm2.Forward(x), memoryCache, memoryKeyPaddingMask, needCrossAttention);
            w = cw;
            x = x + Dropout2.Forward(ca);
            x = x + Dropout3.Forward(FeedForward.Forward(Norm3.Forward(x)));
        }
        else
        {
            var (sa, c) = SelfAttn.ForwardIncremental(x, selfCache, null, packedSelf);
            next = c;
            x = Norm1.Forward(x + Dropout1.Forward(sa));
            var (ca, cw) = MultiheadAttn.ForwardWithCache(x, memoryCache, memoryKeyPaddingMask, needCrossAttention);
            w = cw;
            x = Norm2.Forward(x + Dropout2.Forward(ca));
            x = Norm3.Forward(x + Dropout3.Forward(FeedForward.Forward(x)));
        }
        return (x, next, w);
    }
}

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
        => ForwardIncremental(xStep, memoryCaches, selfCaches, memoryKeyPaddingMask, needCrossAttention, null);

    /// <summary>The step with each layer's self-attention projections packed (<see cref="PackSelfAttention"/>; null: unpacked); same result.</summary>
    public (Tensor Output, IReadOnlyList<AttentionCache> SelfCaches, Tensor? CrossAttention) ForwardIncremental(Tensor xStep,
        IReadOnlyList<AttentionCache> memoryCaches, IReadOnlyList<AttentionCache>? selfCaches, Tensor? memoryKeyPaddingMask, bool needCrossAttention,
        IReadOnlyList<PackedQkvProjection?>? packedSelf)
    {
        var x = xStep;
        var next = new AttentionCache[Layers.Count];
        Tensor? w = null;
        for (int i = 0; i < Layers.Count; i++)
            (x, next[i], w) = Layers[i].ForwardIncremental(x, memoryCaches[i], selfCaches?[i], memoryKeyPaddingMask, needCrossAttention && i == Layers.Count - 1,
                                                           packedSelf?[i]);
        return (Norm is null ? x : Norm.Forward(x), next, w);
    }
}

/// <summary>
/// The parameter reset of PyTorch's <c>nn.Transformer</c> (<c>_reset_parameters</c>): Xavier-uniform on every
/// parameter with more than one dimension of the given encoder/decoder stacks; biases and layer norms keep
/// their values. The query/key/value projections get the bound of PyTorch's packed (3E, E)
/// <c>in_proj_weight</c>, √(6/(E + 3E)); <c>out_proj</c>, <c>linear1</c> and <c>linear2</c> that of their own
/// shape (for d=256, FFN=1024: linear2 U(±0.068) instead of <see cref="Linear"/>'s default U(±1/√1024 = ±0.031)).
/// Layers built on their own keep <see cref="Linear"/>'s default, as PyTorch's layers do.
/// </summary>
public static class TransformerInit
{
    public static void XavierReset(Rng? rng, params Module[] stacks)
    {
        foreach (var stack in stacks)
        {
            var packed = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
            foreach (var (_, m) in stack.NamedModules())
                if (m is MultiheadAttention mha)
                    foreach (var lin in new[] { mha.QProj, mha.KProj, mha.VProj }) packed.Add(lin.Weight);
            foreach (var (_, p) in stack.NamedParameters())
            {
                if (p.Rank < 2) continue;
                int fanOut = p.Shape[0], fanIn = p.Numel / fanOut;
                Init.XavierUniform_(p, fanIn, packed.Contains(p) ? 3 * fanOut : fanOut, rng);
            }
        }
    }
}
