using EncDec.Autograd;
using EncDec.Nn;
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
        int b = source.Shape[0], p = source.Shape[1];
        var pad = EncoderOutput.MaskFromLengths(lengths, p);                                   // (B, P)
        if (p == 0) return new EncoderOutput(Tensor.Zeros(b, 0, TgtEmbed.Tokens.EmbeddingDim), pad, lengths);
        var x = TgtEmbed.Forward(source);                                                       // (B, P, d)
        var extras = new List<Tensor>(2 * Layers.Count);
        foreach (var layer in Layers)
        {
            (x, var cache) = layer.ForwardIncremental(x, null);                                 // causal over the prompt; (B, P, d)
            extras.Add(cache.Key); extras.Add(cache.Value);                                     // (B, H, P, Dh) each
        }
        return new EncoderOutput(Norm.Forward(x), pad, lengths, extras);
    }

    public override IDecoderState InitialState(EncoderOutput encoder)
    {
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
        var ids = new IndexTensor((int[])tokens.Clone(), b, 1);
        var x = cache.Ragged ? TgtEmbed.ForwardAt(ids, cache.NextPositions())
                             : TgtEmbed.Forward(ids, cache.PromptWidth + cache.Steps);         // (B, 1, d)
        var mask = cache.NextKeyPaddingMask();                                                  // (B, P + Steps + 1) or null
        var next = new AttentionCache[Layers.Count];
        for (int l = 0; l < Layers.Count; l++) (x, next[l]) = Layers[l].ForwardIncremental(x, cache.Layers?[l], mask);
        var logits = Generator.Forward(Norm.Forward(x)).Reshape(b, -1);                         // (B, 1, V) → (B, V)
        return new StepResult(logits, null, cache.Advance(next));
    }
}
