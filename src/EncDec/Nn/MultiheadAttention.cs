using EncDec.Nn.LongAttention;
using EncDec.Tensors;

namespace EncDec.Nn;

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
    /// <summary>NumHeads · HeadDim: the width of the projected queries, keys and values (EmbedDim unless pruned).</summary>
    public int InnerDim => NumHeads * HeadDim;
    /// <summary>Dropout probability on the attention probabilities (training mode only).</summary>
    public float DropoutP { get; }
    /// <summary>How softmax(q·kᵀ)·v is computed (full by default; see <see cref="AttentionCoreKind"/>).</summary>
    public IAttentionCore Core { get; }

    private readonly Rng? _rng;

    protected override IEnumerable<Rng> OwnGenerators() => _rng is null ? [] : [_rng];

    /// <param name="headDim">Width of one head; null = embedDim / numHeads. A structurally pruned attention keeps the
    /// head width of the model it came from with fewer heads: q/k/v (H·Dh, E), out_proj (E, H·Dh).</param>
    public MultiheadAttention(int embedDim, int numHeads, float dropout = 0f, bool bias = true, Rng? rng = null, IAttentionCore? core = null, int? headDim = null)
    {
        Core = core ?? FullAttentionCore.Instance;
        if (numHeads <= 0 || (headDim is null && embedDim % numHeads != 0))
            throw new ArgumentException($"embed_dim {embedDim} must be divisible by num_heads {numHeads}");
        if (headDim is <= 0) throw new ArgumentOutOfRangeException(nameof(headDim), "head_dim must be positive");
        if (dropout < 0 || dropout > 1) throw new ArgumentOutOfRangeException(nameof(dropout), "dropout probability must be in [0, 1]");
        EmbedDim = embedDim; NumHeads = numHeads; HeadDim = headDim ?? embedDim / numHeads; DropoutP = dropout; _rng = rng;
        int inner = InnerDim;
        QProj = new Linear(embedDim, inner, bias, rng);
        KProj = new Linear(embedDim, inner, bias, rng);
        VProj = new Linear(embedDim, inner, bias, rng);
        OutProj = new Linear(inner, embedDim, bias, rng);
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
    /// attend causally among themselves. <paramref name="keyPaddingMask"/> (B, T+S), nonzero = ignored, masks cached
    /// positions (a decoder-only model's padding between a short prompt and its generated tokens); full attention only.
    /// </summary>
    public (Tensor Output, AttentionCache Cache) ForwardIncremental(Tensor queryStep, AttentionCache? cache, Tensor? keyPaddingMask = null)
        => ForwardIncremental(queryStep, cache, keyPaddingMask, null);

    /// <summary>
    /// <see cref="ForwardIncremental(Tensor, AttentionCache?, Tensor?)"/> that, given <paramref name="packed"/> (this
    /// layer's <see cref="PackQkv"/>) and no autograd, projects queries, keys and values with one matrix product.
    /// </summary>
    public (Tensor Output, AttentionCache Cache) ForwardIncremental(Tensor queryStep, AttentionCache? cache, Tensor? keyPaddingMask, PackedQkvProjection? packed)
        => ForwardIncremental(queryStep, cache, keyPaddingMask, packed, null);

    /// <summary>
    /// The step with the output projection too packed for decoding (<paramref name="packedOut"/> from
    /// <c>PackedLinear.Pack(OutProj)</c>, null: the layer's own); used only without autograd.
    /// </summary>
    public (Tensor Output, AttentionCache Cache) ForwardIncremental(Tensor queryStep, AttentionCache? cache, Tensor? keyPaddingMask, PackedQkvProjection? packed,
                                                                    PackedLinear? packedOut)
    {
        CheckInput(queryStep, nameof(queryStep));
        if (keyPaddingMask is not null && Core.Kind != AttentionCoreKind.Full)
            throw new NotSupportedException($"the {Core.Kind} attention core cannot mask cached positions");
        Tensor q, k, v;
        if (packed is not null && !GradMode.IsEnabled)
        {
            if (packed.Width != InnerDim) throw new ArgumentException($"packed projection of width {packed.Width} for a layer of {InnerDim}");
            var qkv = packed.Forward(queryStep);                            // (B, S, 3·H·Dh), contiguous
            q = PackedHeads(qkv, 0); k = PackedHeads(qkv, 1); v = PackedHeads(qkv, 2);   // (B, H, S, Dh) views each
        }
        else
        {
            q = SplitHeads(QProj.Forward(queryStep));                       // (B, H, S, Dh)
            k = SplitHeads(KProj.Forward(queryStep));                       // (B, H, S, Dh), a view
            v = SplitHeads(VProj.Forward(queryStep));                       // (B, H, S, Dh), a view
        }
        if (Core.Kind != AttentionCoreKind.Full)
        {
            var (oc, state) = Core.Step(q, k, v, cache);                    // (B, H, S, Dh)
            return (PackedLinear.Apply(OutProj, packedOut, MergeHeads(oc)), state);
        }
        var next = cache is null ? AttentionCache.FromStep(k, v) : cache.Append(k, v); // (B, H, T+S, Dh)
        if (UseSingleQuery(q, next)) return (SingleQueryOutput(q, next, keyPaddingMask, null, packedOut), next);
        var mask = CombineMasks(keyPaddingMask, null, queryStep.Shape[0], queryStep.Shape[1], next.Length);
        var (o, _) = Attend(q, next.Key, next.Value, mask, causal: queryStep.Shape[1] > 1, needWeights: false);
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
        => ForwardWithCache(query, cache, keyPaddingMask, needWeights, null, null);

    /// <summary>
    /// <see cref="ForwardWithCache(Tensor, AttentionCache, Tensor?, bool)"/> with the query and output projections packed
    /// for decoding (<see cref="PackedLinear.Pack(Linear)"/> of <see cref="QProj"/> and <see cref="OutProj"/>; null: the
    /// layer's own); the packed ones are used only without autograd.
    /// </summary>
    public (Tensor Output, Tensor? Weights) ForwardWithCache(Tensor query, AttentionCache cache, Tensor? keyPaddingMask, bool needWeights,
                                                             PackedLinear? packedQuery, PackedLinear? packedOut)
    {
        CheckInput(query, nameof(query));
        var q = SplitHeads(PackedLinear.Apply(QProj, packedQuery, query));  // (B, H, Tq, Dh)
        var mask = CombineMasks(keyPaddingMask, null, query.Shape[0], query.Shape[1], cache.Length);
        if (UseSingleQuery(q, cache))
        {
            var w = needWeights ? Tensor.Zeros(query.Shape[0], cache.Length) : null;   // (B, Tk)
            var o = SingleQueryOutput(q, cache, keyPaddingMask, w, packedOut);
            return (o, w?.ViewRaw(new[] { query.Shape[0], 1, cache.Length }));        // (B, 1, Tk)
        }
        return Attend(q, cache.Key, cache.Value, mask, false, needWeights);
    }

    /// <summary>One query per row, no autograd and no dropout: the fused single-query kernel applies.</summary>
    private bool UseSingleQuery(Tensor q, AttentionCache cache)
        => q.Shape[2] == 1 && !(Training && DropoutP > 0f) && !Tensor.NeedsGrad(q) && !cache.NeedsGrad;

    /// <summary>q (B, H, 1, Dh) against the cache → output projection of the merged heads (B, 1, E).</summary>
    private Tensor SingleQueryOutput(Tensor q, AttentionCache cache, Tensor? keyPaddingMask, Tensor? headMeanWeights, PackedLinear? packedOut)
    {
        var (k, v, rows) = cache.Gather;                                                                  // (P, H, C, Dh) buffers + row table
        var o = Attention.SingleQueryAttention(q, k, v, cache.Length, rows, keyPaddingMask, headMeanWeights); // (B, H, 1, Dh) contiguous
        return PackedLinear.Apply(OutProj, packedOut, o.ViewRaw(new[] { q.Shape[0], 1, InnerDim }));     // (B, 1, H·Dh) → (B, 1, E)
    }

    private (Tensor Output, Tensor? Weights) Attend(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal, bool needWeights)
    {
        bool training = Training && DropoutP > 0f;
        Tensor o; Tensor? weights = null;
        if (Core.Kind != AttentionCoreKind.Full)
        {
            if (needWeights) throw new ArgumentException($"attention weights need the full attention core, not {Core.Kind}");
            return (OutProj.Forward(MergeHeads(Core.Attend(q, k, v, mask, causal))), null);   // (B, Tq, E)
        }
        if (needWeights)
        {
            var (oc, probs) = Attention.ScaledDotProductAttentionComposed(q, k, v, mask, causal, DropoutP, training, _rng);
            o = oc;
            weights = probs.Mean(1);                                         // (B, H, Tq, Tk) → (B, Tq, Tk)
        }
        else o = Attention.ScaledDotProductAttention(q, k, v, mask, causal, DropoutP, training, _rng); // (B, H, Tq, Dh)
        int b = o.Shape[0], tq = o.Shape[2];
        var merged = o.Transpose(1, 2).Reshape(b, tq, InnerDim);            // (B, H, Tq, Dh) → (B, Tq, H, Dh) → (B, Tq, H·Dh)
        return (OutProj.Forward(merged), weights);                           // (B, Tq, E)
    }

    /// <summary>(B, H, T, Dh) → (B, T, H·Dh).</summary>
    private Tensor MergeHeads(Tensor o) => o.Transpose(1, 2).Reshape(o.Shape[0], o.Shape[2], InnerDim); // (B, H, T, Dh) → (B, T, H, Dh) → (B, T, H·Dh)

    /// <summary>
    /// This layer's query/key/value projections packed for <see cref="ForwardIncremental(Tensor, AttentionCache?, Tensor?, PackedQkvProjection?)"/>
    /// (a copy of the current weights), or null where packing does not apply (int8 weights, projections that differ in bias).
    /// </summary>
    public PackedQkvProjection? PackQkv()
    {
        if (QProj.Int8 is not null || KProj.Int8 is not null || VProj.Int8 is not null) return null;
        if ((QProj.Bias is null) != (KProj.Bias is null) || (QProj.Bias is null) != (VProj.Bias is null)) return null;
        return new PackedQkvProjection(QProj, KProj, VProj);
    }

    /// <summary>Part <paramref name="part"/> (0 query, 1 key, 2 value) of a contiguous (B, T, 3·H·Dh) projection → (B, H, T, Dh), a view.</summary>
    private Tensor PackedHeads(Tensor qkv, int part)
    {
        int b = qkv.Shape[0], t = qkv.Shape[1], e3 = 3 * InnerDim;
        return new Tensor(qkv.Storage, new[] { b, NumHeads, t, HeadDim }, new[] { t * e3, HeadDim, e3, 1 }, qkv.Offset + part * InnerDim); // (B, T, 3·H·Dh) → (B, H, T, Dh)
    }

    /// <summary>(B, T, H·Dh) → (B, H, T, Dh), a view.</summary>
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
