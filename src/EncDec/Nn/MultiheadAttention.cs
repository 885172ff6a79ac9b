using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// Keys and values of one attention layer for incremental decoding, each (B, H, T, Dh). Immutable: appending
/// a step returns a new cache, so decoding state is passed in and out and never hidden inside a layer.
/// </summary>
public sealed record AttentionCache(Tensor Key, Tensor Value)
{
    /// <summary>Number of cached positions T.</summary>
    public int Length => Key.Shape[2];

    /// <summary>A cache with the (B, H, 1+, Dh) step appended along time (copies; O(T) per step).</summary>
    public AttentionCache Append(Tensor keyStep, Tensor valueStep)
        => new(F.Concat(new[] { Key, keyStep }, 2), F.Concat(new[] { Value, valueStep }, 2));

    /// <summary>The cache with its batch rows picked by <paramref name="batchIndices"/> (beam search reordering).</summary>
    public AttentionCache Reorder(IndexTensor batchIndices)
        => new(F.IndexSelect(Key, 0, batchIndices), F.IndexSelect(Value, 0, batchIndices));
}

/// <summary>
/// Multi-head attention with PyTorch's <c>nn.MultiheadAttention</c> semantics in batch-first layout (B, T, E).
/// <para>
/// Parameters: <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>out_proj</c> (each a <see cref="Linear"/>, as in
/// fairseq / Hugging Face). PyTorch packs the input projections: its <c>in_proj_weight</c> (3E, E) is the rows of
/// <c>q_proj.weight</c>, <c>k_proj.weight</c>, <c>v_proj.weight</c> stacked in that order, and <c>in_proj_bias</c>
/// (3E) likewise; <c>out_proj.weight</c>/<c>out_proj.bias</c> map one to one. Initialisation follows PyTorch:
/// Xavier-uniform over the packed (3E, E) matrix, zero input and output biases.
/// </para>
/// <para>
/// Masks: <c>keyPaddingMask</c> (B, Tk), nonzero = padding (ignored); <c>attnMask</c> additive (Tq, Tk) (−∞ blocks;
/// build one with <see cref="Attention.GenerateSquareSubsequentMask"/>) or <c>isCausal</c>. A query whose keys are
/// all masked gets a zero attention output (PyTorch gives NaN).
/// </para>
/// </summary>
public sealed class MultiheadAttention : Module
{
    public Linear QProj { get; }
    public Linear KProj { get; }
    public Linear VProj { get; }
    public Linear OutProj { get; }

    public int EmbedDim { get; }
    public int NumHeads { get; }
    public int HeadDim { get; }
    /// <summary>Dropout probability on the attention probabilities (training mode only).</summary>
    public float DropoutP { get; }

    private readonly Rng? _rng;

    protected override IEnumerable<Rng> OwnGenerators() => _rng is null ? [] : [_rng];

    public MultiheadAttention(int embedDim, int numHeads, float dropout = 0f, bool bias = true, Rng? rng = null)
    {
        if (numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException($"embed_dim {embedDim} must be divisible by num_heads {numHeads}");
        if (dropout < 0 || dropout > 1) throw new ArgumentOutOfRangeException(nameof(dropout), "dropout probability must be in [0, 1]");
        EmbedDim = embedDim; NumHeads = numHeads; HeadDim = embedDim / numHeads; DropoutP = dropout; _rng = rng;
        QProj = new Linear(embedDim, embedDim, bias, rng);
        KProj = new Linear(embedDim, embedDim, bias, rng);
        VProj = new Linear(embedDim, embedDim, bias, rng);
        OutProj = new Linear(embedDim, embedDim, bias, rng);
        // PyTorch: xavier_uniform_ on in_proj_weight (3E, E); in_proj_bias and out_proj.bias zero.
        float bound = MathF.Sqrt(6f / (embedDim + 3 * embedDim));
        var r = rng ?? Rng.Global;
        foreach (var lin in new[] { QProj, KProj, VProj })
        {
            var w = lin.Weight.Span;
            for (int i = 0; i < w.Length; i++) w[i] = bound * (2f * (float)r.NextDouble() - 1f);
            lin.Bias?.Span.Clear();
        }
        OutProj.Bias?.Span.Clear();
    }

    /// <summary>
    /// query (B, Tq, E), key and value (B, Tk, E) → output (B, Tq, E) and, with <paramref name="needWeights"/>,
    /// the attention probabilities averaged over heads (B, Tq, Tk) (PyTorch's <c>average_attn_weights=True</c>;
    /// after dropout, as PyTorch). Without weights the fused attention kernel is used; with them the composed,
    /// fully differentiable path. Unlike PyTorch, <paramref name="needWeights"/> defaults to false.
    /// </summary>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null,
                                                   Tensor? attnMask = null, bool isCausal = false, bool needWeights = false)
    {
        CheckInput(query, nameof(query)); CheckInput(key, nameof(key)); CheckInput(value, nameof(value));
        if (key.Shape[0] != query.Shape[0] || !ShapeUtil.SameShape(key.Shape, value.Shape))
            throw new ArgumentException($"key {ShapeUtil.Format(key.Shape)} and value {ShapeUtil.Format(value.Shape)} must agree with query {ShapeUtil.Format(query.Shape)}");
        var q = SplitHeads(QProj.Forward(query));                           // (B, H, Tq, Dh)
        var k = SplitHeads(KProj.Forward(key));                             // (B, H, Tk, Dh)
        var v = SplitHeads(VProj.Forward(value));                           // (B, H, Tk, Dh)
        var mask = CombineMasks(keyPaddingMask, attnMask, query.Shape[0], query.Shape[1], key.Shape[1]);
        return Attend(q, k, v, mask, isCausal, needWeights);
    }

    /// <summary>
    /// One step of causal self-attention: the step's keys and values are appended to <paramref name="cache"/>
    /// (null at the first step) and the step's query attends to all cached positions.
    /// queryStep (B, 1, E) → (output (B, 1, E), the new cache). Several steps at once (B, S, E) are allowed and
    /// attend causally among themselves.
    /// </summary>
    public (Tensor Output, AttentionCache Cache) ForwardIncremental(Tensor queryStep, AttentionCache? cache)
    {
        CheckInput(queryStep, nameof(queryStep));
        var q = SplitHeads(QProj.Forward(queryStep));                       // (B, H, S, Dh)
        var k = SplitHeads(KProj.Forward(queryStep)).Contiguous();          // (B, H, S, Dh)
        var v = SplitHeads(VProj.Forward(queryStep)).Contiguous();          // (B, H, S, Dh)
        var next = cache is null ? new AttentionCache(k, v) : cache.Append(k, v); // (B, H, T+S, Dh)
        var (o, _) = Attend(q, next.Key, next.Value, null, causal: queryStep.Shape[1] > 1, needWeights: false);
        return (o, next);
    }

    /// <summary>Projects the (encoder) memory (B, Tk, E) to keys and values once, for cross-attention while decoding.</summary>
    public AttentionCache PrecomputeKeyValue(Tensor memory)
    {
        CheckInput(memory, nameof(memory));
        var k = SplitHeads(KProj.Forward(memory)).Contiguous();             // (B, H, Tk, Dh)
        var v = SplitHeads(VProj.Forward(memory)).Contiguous();             // (B, H, Tk, Dh)
        return new AttentionCache(k, v);
    }

    /// <summary>
    /// Attends from query (B, Tq, E) to precomputed keys and values (from <see cref="PrecomputeKeyValue"/>);
    /// <paramref name="keyPaddingMask"/> (B, Tk) masks padded memory positions.
    /// </summary>
    public (Tensor Output, Tensor? Weights) ForwardWithCache(Tensor query, AttentionCache cache, Tensor? keyPaddingMask = null, bool needWeights = false)
    {
        CheckInput(query, nameof(query));
        var q = SplitHeads(QProj.Forward(query));                           // (B, H, Tq, Dh)
        var mask = CombineMasks(keyPaddingMask, null, query.Shape[0], query.Shape[1], cache.Length);
        return Attend(q, cache.Key, cache.Value, mask, false, needWeights);
    }

    private (Tensor Output, Tensor? Weights) Attend(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal, bool needWeights)
    {
        bool training = Training && DropoutP > 0f;
        Tensor o; Tensor? weights = null;
        if (needWeights)
        {
            var (oc, probs) = Attention.ScaledDotProductAttentionComposed(q, k, v, mask, causal, DropoutP, training, _rng);
            o = oc;
            weights = probs.Mean(1);                                         // (B, H, Tq, Tk) → (B, Tq, Tk)
        }
        else o = Attention.ScaledDotProductAttention(q, k, v, mask, causal, DropoutP, training, _rng); // (B, H, Tq, Dh)
        int b = o.Shape[0], tq = o.Shape[2];
        var merged = o.Transpose(1, 2).Reshape(b, tq, EmbedDim);            // (B, H, Tq, Dh) → (B, Tq, H, Dh) → (B, Tq, E)
        return (OutProj.Forward(merged), weights);                           // (B, Tq, E)
    }

    /// <summary>(B, T, E) → (B, H, T, Dh), a view.</summary>
    private Tensor SplitHeads(Tensor x)
    {
        int b = x.Shape[0], t = x.Shape[1];
        return x.Reshape(b, t, NumHeads, HeadDim).Transpose(1, 2);          // (B, T, H, Dh) → (B, H, T, Dh)
    }

    /// <summary>Key padding (B, Tk) and additive (Tq, Tk) masks as one additive mask broadcastable to (B, H, Tq, Tk).</summary>
    private static Tensor? CombineMasks(Tensor? keyPaddingMask, Tensor? attnMask, int b, int tq, int tk)
    {
        Tensor? m = null;
        using (GradMode.NoGrad())
        {
            if (keyPaddingMask is not null)
            {
                if (keyPaddingMask.Rank != 2 || keyPaddingMask.Shape[0] != b || keyPaddingMask.Shape[1] != tk)
                    throw new ArgumentException($"key padding mask {ShapeUtil.Format(keyPaddingMask.Shape)} must be (B, Tk) = ({b}, {tk})");
                m = Attention.KeyPaddingToAdditive(keyPaddingMask);               // (B, 1, 1, Tk)
            }
            if (attnMask is not null)
            {
                if (attnMask.Rank != 2 || attnMask.Shape[0] != tq || attnMask.Shape[1] != tk)
                    throw new ArgumentException($"attention mask {ShapeUtil.Format(attnMask.Shape)} must be (Tq, Tk) = ({tq}, {tk})");
                var a = attnMask.Detach();
                m = m is null ? a : m + a;                                           // (B, 1, Tq, Tk)
            }
        }
        return m;
    }

    private void CheckInput(Tensor x, string name)
    {
        if (x.Rank != 3 || x.Shape[2] != EmbedDim)
            throw new ArgumentException($"{name} must be (B, T, {EmbedDim}), got {ShapeUtil.Format(x.Shape)}");
    }
}
