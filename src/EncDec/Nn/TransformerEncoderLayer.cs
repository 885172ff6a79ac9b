using EncDec.Nn.LongAttention;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// PyTorch's <c>nn.TransformerEncoderLayer</c> (batch_first): self-attention and feed-forward sublayers with
/// residuals, post- or pre-norm. State names: <c>self_attn.{q,k,v,out}_proj</c>, <c>linear1</c>, <c>linear2</c>,
/// <c>norm1</c>, <c>norm2</c>. With <see cref="TransformerLayerOptions.ConvKernel"/> a local token-mixing sublayer
/// (<c>conv</c>, <see cref="SequenceConv"/>, with its own <c>norm_conv</c> and residual) runs before the self-attention.
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
    public SequenceConv? Conv { get; }
    public LayerNorm? NormConv { get; }
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
        if (options.ConvKernel is int k)
        {
            Conv = new SequenceConv(options.DModel, k, rng);
            NormConv = new LayerNorm(options.DModel, options.LayerNormEps);
        }
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
        if (Conv is not null) x = ConvSublayer(x, srcKeyPaddingMask);
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
        if (Conv is not null) throw new InvalidOperationException("an encoder layer with a conv sublayer has no incremental form");
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

    /// <summary>x + conv(norm_conv(x)) (pre-norm) or norm_conv(x + conv(x)) (post-norm); padded positions enter the
    /// convolution as zeros, so a sequence's last tokens never mix in its padding.</summary>
    private Tensor ConvSublayer(Tensor x, Tensor? kpm)
    {
        var input = Options.Norm == NormPosition.Pre ? NormConv!.Forward(x) : x;
        if (kpm is not null) input = input * (1f - kpm).Unsqueeze(2);          // (B, T, d) ⊙ (B, T, 1): pads → 0
        var mixed = Dropout1.Forward(Conv!.Forward(input));                      // (B, T, d)
        return Options.Norm == NormPosition.Pre ? x + mixed : NormConv!.Forward(x + mixed);
    }

    private Tensor SelfAttention(Tensor x, Tensor? kpm, Tensor? mask, bool causal)
        => Dropout1.Forward(SelfAttn.Forward(x, x, x, kpm, mask, causal).Output);
}
