using EncDec.Nn.LongAttention;
using EncDec.Tensors;

namespace EncDec.Nn;

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
        => ForwardIncremental(xStep, memoryCache, selfCache, memoryKeyPaddingMask, needCrossAttention, (PackedDecoderLayer?)null);

    /// <summary>
    /// The step with the self-attention's projections packed (<paramref name="packedSelf"/> from
    /// <c>SelfAttn.PackQkv()</c>, null: unpacked); same result.
    /// </summary>
    public (Tensor Output, AttentionCache SelfCache, Tensor? CrossAttention) ForwardIncremental(Tensor xStep, AttentionCache memoryCache,
        AttentionCache? selfCache, Tensor? memoryKeyPaddingMask, bool needCrossAttention, PackedQkvProjection? packedSelf)
        => ForwardIncremental(xStep, memoryCache, selfCache, memoryKeyPaddingMask, needCrossAttention, PackedDecoderLayer.OfSelf(packedSelf));

    /// <summary>This layer's weights packed for a decoding run (<see cref="PackedDecoderLayer"/>; a copy of the current weights).</summary>
    public PackedDecoderLayer PackForDecoding()
        => new(SelfAttn.PackQkv(), PackedLinear.Pack(SelfAttn.OutProj), PackedLinear.Pack(MultiheadAttn.QProj), PackedLinear.Pack(MultiheadAttn.OutProj),
               PackedLinear.Pack(Linear1), PackedLinear.Pack(Linear2));

    /// <summary>The step with this layer's weights packed (<see cref="PackForDecoding"/>, null: unpacked); the same result up to rounding.</summary>
    public (Tensor Output, AttentionCache SelfCache, Tensor? CrossAttention) ForwardIncremental(Tensor xStep, AttentionCache memoryCache,
        AttentionCache? selfCache, Tensor? memoryKeyPaddingMask, bool needCrossAttention, PackedDecoderLayer? packed)
    {
        var x = xStep;
        AttentionCache next;
        Tensor? w;
        if (Options.Norm == NormPosition.Pre)
        {
            var (sa, c) = SelfAttn.ForwardIncremental(Norm1.Forward(x), selfCache, null, packed?.SelfQkv, packed?.SelfOut);
            next = c;
            x = x + Dropout1.Forward(sa);
            var (ca, cw) = MultiheadAttn.ForwardWithCache(Norm2.Forward(x), memoryCache, memoryKeyPaddingMask, needCrossAttention, packed?.CrossQuery, packed?.CrossOut);
            w = cw;
            x = x + Dropout2.Forward(ca);
            x = x + Dropout3.Forward(FeedForward.Forward(Norm3.Forward(x), packed?.Linear1, packed?.Linear2));
        }
        else
        {
            var (sa, c) = SelfAttn.ForwardIncremental(x, selfCache, null, packed?.SelfQkv, packed?.SelfOut);
            next = c;
            x = Norm1.Forward(x + Dropout1.Forward(sa));
            var (ca, cw) = MultiheadAttn.ForwardWithCache(x, memoryCache, memoryKeyPaddingMask, needCrossAttention, packed?.CrossQuery, packed?.CrossOut);
            w = cw;
            x = Norm2.Forward(x + Dropout2.Forward(ca));
            x = Norm3.Forward(x + Dropout3.Forward(FeedForward.Forward(x, packed?.Linear1, packed?.Linear2)));
        }
        return (x, next, w);
    }
}
