using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Nn.LongAttention;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// GPT-style decoder-only causal language model. The "source" is a prefix (control codes as in CTRL, or a prompt)
/// and the target continues it: the model sees [prefix; target inputs] and is trained on the target positions only.
/// Generation prefills the prompts once (<see cref="Prefill"/>, which is also its <see cref="Encode"/>: the prompt's
/// keys/values are what the decoding steps attend to) and then feeds one token per step against a
/// <see cref="LanguageModelCache"/>, like the Transformer decoder's cached incremental decoding.
/// </summary>
public sealed class DecoderOnlyLm : Seq2SeqModule, ILanguageModel
{
    public TransformerEmbedding TgtEmbed { get; }
    public ModuleList<TransformerEncoderLayer> Layers { get; }
    public LayerNorm Norm { get; }
    public Linear Generator { get; }

    public DecoderOnlyLm(ModelConfig c, Rng rng)
    {
        var layer = new TransformerLayerOptions(c.DModel, c.Heads, c.FeedForward, c.Dropout, c.Activation, NormPosition.Pre, SelfAttention: c.DecoderAttentionOptions());
        var tok = ModelFactory.ScaledEmbedding(c.TgtVocabSize, c.DModel, c.PadId, rng);
        TgtEmbed = new TransformerEmbedding(tok, c.Positional, c.MaxPositions, c.Dropout, rng);
        Layers = new ModuleList<TransformerEncoderLayer>(Enumerable.Range(0, c.DecoderLayers).Select(_ => new TransformerEncoderLayer(layer, rng)));
        Norm = new LayerNorm(c.DModel);
        Generator = c.TieOutput ? new Linear(tok.Weight, null) : new Linear(c.DModel, c.TgtVocabSize, true, rng);
    }

    public override int TargetVocabSize => Generator.OutFeatures;

    /// <summary>Causal hidden states (B, L, d) of left-aligned sequences (B, L) (right padding cannot affect earlier positions).</summary>
    private Tensor Hidden(IndexTensor ids)
    {
        var x = TgtEmbed.Forward(ids);                                                          // (B, L, d)
        foreach (var l in Layers) x = l.Forward(x, null, null, isCausal: true);
        return Norm.Forward(x);
    }

    /// <inheritdoc/>
    public Tensor Logits(IndexTensor ids) => Generator.Forward(Hidden(ids));                    // (B, L, d) → (B, L, V)

    /// <summary>Logits (B, T, V) for the target positions of [prefix; targetInputs].</summary>
    public override (Tensor Logits, Tensor? Attention) Forward(IndexTensor source, int[] sourceLengths, IndexTensor targetInputs)
    {
        int b = targetInputs.Shape[0], t = targetInputs.Shape[1], s = source.Shape[1];
        int l = sourceLengths.Max() + t;
        var seq = new int[b * l];
        var rows = new int[b * t];
        for (int i = 0; i < b; i++)
        {
            int n = sourceLengths[i];
            Array.Copy(source.Data, i * s, seq, i * l, n);
            Array.Copy(targetInputs.Data, i * t, seq, i * l + n, t);
            for (int j = 0; j < t; j++) rows[i * t + j] = i * l + n + j;
        }
        var h = Hidden(new IndexTensor(seq, b, l)).Reshape(b * l, -1);                         // (B·L, d)
        var picked = F.IndexSelect(h, 0, new IndexTensor(rows, b * t));                        // (B·T, d)
        return (Generator.Forward(picked).Reshape(b, t, -1), null);                           // (B, T, V)
    }

    /// <inheritdoc/>
    public LanguageModelCache Prefill(IndexTensor prompts, int[] lengths) => (LanguageModelCache)InitialState(Encode(prompts, lengths));

    /// <summary>
    /// The prefill as an encoder output: memory = the prompts' final hidden states (B, P, d), the prompt padding mask,
    /// and as extras every layer's self-attention keys then values (B, H, P, Dh), which the steps attend to.
    /// </summary>
    public override EncoderOutput Encode(IndexTensor source, int[] lengths)
    {
        if (KeepsLengthsApart(lengths, source.Shape[1])) return EncodeByLength(source, lengths);
        int b = source.Shape[0], p = source.Shape[1];
        var pad = EncoderOutput.MaskFromLengths(lengths, p);                                   // (B, P)
        if (p == 0) return new EncoderOutput(Tensor.Zeros(b, 0, TgtEmbed.Tokens.EmbeddingDim), pad, lengths);
        var x = TgtEmbed.Forward(source);                                                       // (B, P, d)
        var extras = new List<Tensor>(2 * Layers.Count);
        foreach (var layer in Layers)
        {
            (x, var cache) = layer.ForwardIncremental(x, null);                                 // causal over the prompt; (B, P, d)
            extras.Add(cache.Key.Contiguous()); extras.Add(cache.Value.Contiguous());           // (B, H, P, Dh) each, gatherable by EncoderOutput.Select
        }
        return new EncoderOutput(Norm.Forward(x), pad, lengths, extras);
    }

    public override IDecoderState InitialState(EncoderOutput encoder)
    {
        if (KeepsLengthsApart(encoder.Lengths, encoder.SourceLength)) return StateByLength(encoder);
        var layers = encoder.SourceLength == 0 ? null
            : Enumerable.Range(0, Layers.Count).Select(l => new AttentionCache(encoder.Extras[2 * l], encoder.Extras[2 * l + 1])).ToArray();
        return new LanguageModelCache(layers, encoder.Lengths, encoder.SourceLength, 0);
    }

    /// <summary>Feeds <paramref name="tokens"/>; the cache knows each row's position, so <paramref name="position"/> is not needed.</summary>
    public override StepResult DecodeStep(int[] tokens, int position, EncoderOutput encoder, IDecoderState state)
        => Step(tokens, (LanguageModelCache)state);

    /// <inheritdoc/>
    public StepResult Step(int[] tokens, LanguageModelCache cache)
    {
        int b = tokens.Length;
        if (b != cache.BatchSize) throw new ArgumentException($"{b} tokens for a cache of {cache.BatchSize} rows");
        if (cache.Parts is { } parts) return StepByLength(tokens, cache, parts);
        var ids = new IndexTensor((int[])tokens.Clone(), b, 1);
        var x = cache.Ragged ? TgtEmbed.ForwardAt(ids, cache.NextPositions())
                             : TgtEmbed.Forward(ids, cache.PromptWidth + cache.Steps);         // (B, 1, d)
        var mask = cache.NextKeyPaddingMask();                                                  // (B, P + Steps + 1) or null
        var next = new AttentionCache[Layers.Count];
        for (int l = 0; l < Layers.Count; l++) (x, next[l]) = Layers[l].ForwardIncremental(x, cache.Layers?[l], mask);
        var logits = Generator.Forward(Norm.Forward(x)).Reshape(b, -1);                         // (B, 1, V) → (B, V)
        return new StepResult(logits, null, cache.Advance(next));
    }

    /// <summary>
    /// Whether prompts of these lengths are prefilled and stepped per length (<see cref="LanguageModelCache.Parts"/>): the
    /// sliding-window, chunked and linear attention cores cannot mask a short prompt's padding in the cache (linear
    /// attention sums every key into its state; a window counts padded columns), so rows of each length run unpadded.
    /// Needed whenever some prompt is shorter than the padded <paramref name="width"/>.
    /// </summary>
    private bool KeepsLengthsApart(IReadOnlyList<int> lengths, int width)
        => width > 0 && lengths.Any(n => n != width) && Layers.Any(l => l.SelfAttn.Core.Kind != AttentionCoreKind.Full);

    /// <summary>
    /// The prefill of each prompt length on its own rows, unpadded, gathered into one encoder output: memory (B, P, d) and
    /// per layer keys then values (B, H, W, Dh) zero-filled past each group's own width (its length, or the fixed size of a
    /// linear-attention state).
    /// </summary>
    private EncoderOutput EncodeByLength(IndexTensor source, int[] lengths)
    {
        int b = source.Shape[0], p = source.Shape[1];
        var parts = new List<(int[] Rows, EncoderOutput Output)>();
        foreach (var g in Enumerable.Range(0, b).GroupBy(i => lengths[i]).Where(g => g.Key > 0))
        {
            var rows = g.ToArray();
            int n = g.Key;
            var ids = new int[rows.Length * n];
            for (int j = 0; j < rows.Length; j++) Array.Copy(source.Data, rows[j] * p, ids, j * n, n);
            parts.Add((rows, Encode(new IndexTensor(ids, rows.Length, n), Enumerable.Repeat(n, rows.Length).ToArray())));   // (b_g, n) unpadded
        }
        var memory = Tensor.Zeros(b, p, TgtEmbed.Tokens.EmbeddingDim);                         // (B, P, d)
        foreach (var (rows, output) in parts) ScatterRows(output.Memory, memory, rows);
        var extras = new List<Tensor>(2 * Layers.Count);
        for (int e = 0; e < (parts.Count == 0 ? 0 : 2 * Layers.Count); e++)            // every prompt empty: no keys at all
        {
            var first = parts[0].Output.Extras[e];                                              // (b_g, H, w_g, Dh)
            var all = Tensor.Zeros(b, first.Shape[1], parts.Max(x => x.Output.Extras[e].Shape[2]), first.Shape[3]);   // (B, H, W, Dh)
            foreach (var (rows, output) in parts) ScatterRows(output.Extras[e], all, rows);
            extras.Add(all);
        }
        return new EncoderOutput(memory, EncoderOutput.MaskFromLengths(lengths, p), lengths, extras);
    }

    /// <summary>Copies row j of <paramref name="src"/> (b, …, w, c) into row rows[j] of <paramref name="dst"/> (B, …, W ≥ w, c), positions [0, w).</summary>
    private static void ScatterRows(Tensor src, Tensor dst, int[] rows)
    {
        var s = src.ContiguousRaw().Span;
        var d = dst.Span;
        int c = src.Shape[^1], w = src.Shape[^2], wide = dst.Shape[^2];
        int outer = src.Numel / (src.Shape[0] * w * c);                                        // H for keys/values, 1 for memory
        for (int j = 0; j < rows.Length; j++)
            for (int h = 0; h < outer; h++)
                s.Slice(((j * outer + h) * w) * c, w * c).CopyTo(d.Slice(((rows[j] * outer + h) * wide) * c, w * c));
    }

    /// <summary>The per-length cache of an <see cref="EncodeByLength"/> output (after any row selection).</summary>
    private LanguageModelCache StateByLength(EncoderOutput encoder)
    {
        var parts = new List<LanguageModelCachePart>();
        foreach (var g in Enumerable.Range(0, encoder.BatchSize).GroupBy(i => encoder.Lengths[i]))
        {
            var rows = g.ToArray();
            int n = g.Key;
            AttentionCache[]? layers = null;
            if (n > 0)
            {
                var idx = new IndexTensor(rows, rows.Length);
                layers = new AttentionCache[Layers.Count];
                for (int l = 0; l < Layers.Count; l++)
                {
                    var (k, v) = (encoder.Extras[2 * l], encoder.Extras[2 * l + 1]);            // (B, H, W, Dh)
                    int width = Layers[l].SelfAttn.Core.Kind == AttentionCoreKind.Linear ? k.Shape[2] : n;   // a linear state has a fixed size
                    layers[l] = new AttentionCache(k.Narrow(2, 0, width), v.Narrow(2, 0, width)).Reorder(idx);   // (b_g, H, width, Dh)
                }
            }
            parts.Add(new LanguageModelCachePart(rows, new LanguageModelCache(layers, Enumerable.Repeat(n, rows.Length).ToArray(), n, 0)));
        }
        return new LanguageModelCache(parts, encoder.Lengths, encoder.SourceLength, 0);
    }

    /// <summary>One step of every per-length part on its own rows; the logits (B, V) are put back in row order.</summary>
    private StepResult StepByLength(int[] tokens, LanguageModelCache cache, IReadOnlyList<LanguageModelCachePart> parts)
    {
        var logits = new List<Tensor>(parts.Count);
        var next = new List<LanguageModelCachePart>(parts.Count);
        var position = new int[tokens.Length];                                                  // row → its place in the concatenation
        int at = 0;
        foreach (var part in parts)
        {
            var r = Step(part.Rows.Select(i => tokens[i]).ToArray(), part.Cache);               // (b_g, V)
            logits.Add(r.Logits);
            next.Add(part with { Cache = (LanguageModelCache)r.Next });
            foreach (int i in part.Rows) position[i] = at++;
        }
        var all = logits.Count == 1 ? logits[0] : F.Concat(logits, 0);                          // (B, V) in part order
        return new StepResult(F.IndexSelect(all, 0, new IndexTensor(position, position.Length)), null, cache.Advance(next));   // (B, V) in row order
    }
}
