using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Models;

/// <summary>
/// BERT-style encoder-only model: the same source embedding and Transformer encoder an
/// <see cref="EncoderDecoder"/> has (same state names: <c>src_embed.*</c>, <c>encoder.*</c>), a masked-language-model
/// head, and an optional classification head over the first position. Its encoder loads into an encoder-decoder
/// with <see cref="EncoderState"/>.
/// </summary>
public sealed class EncoderOnlyModel : Module, IMaskedLm
{
    public TransformerEmbedding SrcEmbed { get; }
    public TransformerEncoderPart Encoder { get; }
    public Linear MlmTransform { get; }
    public LayerNorm MlmNorm { get; }
    public Linear MlmOutput { get; }
    public Linear? Pooler { get; }
    public Linear? Classifier { get; }

    public EncoderOnlyModel(ModelConfig c, Rng rng)
    {
        var layer = new TransformerLayerOptions(c.DModel, c.Heads, c.FeedForward, c.Dropout, c.Activation, c.Norm, SelfAttention: c.EncoderAttentionOptions());
        var tok = ModelFactory.ScaledEmbedding(c.SrcVocabSize, c.DModel, c.PadId, rng);
        SrcEmbed = new TransformerEmbedding(tok, c.Positional, c.MaxPositions, c.Dropout, rng);
        Encoder = new TransformerEncoderPart(new TransformerEncoder(layer, c.EncoderLayers, c.Norm == NormPosition.Pre, rng));
        MlmTransform = new Linear(c.DModel, c.DModel, true, rng);
        MlmNorm = new LayerNorm(c.DModel);
        MlmOutput = new Linear(tok.Weight, Init.Constant(0f, c.SrcVocabSize));   // tied to the token embedding
        if (c.NumClasses > 0)
        {
            Pooler = new Linear(c.DModel, c.DModel, true, rng);
            Classifier = new Linear(c.DModel, c.NumClasses, true, rng);
        }
    }

    /// <summary>ids (B, S) with lengths → hidden states (B, S, d).</summary>
    public EncoderOutput Encode(IndexTensor ids, int[] lengths) => Encoder.Forward(SrcEmbed.Forward(ids), lengths);

    /// <summary>MLM logits (B, S, V).</summary>
    public Tensor MlmLogits(EncoderOutput enc)
        => MlmOutput.Forward(MlmNorm.Forward(MlmTransform.Forward(enc.Memory).Gelu()));

    /// <summary>Mean cross-entropy over the masked positions (targets <see cref="MlmMasking.IgnoreTarget"/> elsewhere).</summary>
    public Tensor MlmLoss(IndexTensor maskedIds, int[] lengths, int[] targets)
    {
        var logits = MlmLogits(Encode(maskedIds, lengths));                                   // (B, S, V)
        int b = maskedIds.Shape[0], s = maskedIds.Shape[1];
        return F.CrossEntropy(logits.Reshape(b * s, -1), new IndexTensor(targets, b * s), ignoreIndex: MlmMasking.IgnoreTarget);   // (B·S, V) vs (B·S)
    }

    /// <summary>Class logits (B, C) from the first position's state.</summary>
    public Tensor ClassLogits(IndexTensor ids, int[] lengths)
    {
        if (Classifier is null) throw new InvalidOperationException("this model has no classification head (num_classes = 0)");
        var first = Encode(ids, lengths).Memory.Select(1, 0);                                 // (B, d)
        return Classifier.Forward(Pooler!.Forward(first).Tanh());
    }

    /// <summary>The <c>src_embed.*</c> and <c>encoder.*</c> tensors, named as in an <see cref="EncoderDecoder"/>.</summary>
    public Dictionary<string, Tensor> EncoderState()
        => StateDict().Where(kv => kv.Key.StartsWith("src_embed.", StringComparison.Ordinal) || kv.Key.StartsWith("encoder.", StringComparison.Ordinal))
                      .ToDictionary(kv => kv.Key, kv => kv.Value);
}

/// <summary>BERT's masking: 15% of maskable tokens are predicted; of those 80% become MASK, 10% a random token, 10% stay.</summary>
public static class MlmMasking
{
    /// <summary>The target of a position that is not predicted (PyTorch's <c>ignore_index</c> default).</summary>
    public const int IgnoreTarget = -100;

    /// <summary>
    /// Masks a padded batch (B, S). Tokens with id below <paramref name="firstOrdinaryId"/> (PAD, BOS, EOS, UNK, MASK and
    /// control tokens) are never chosen. Returns the model input and the targets (original id where chosen, <see cref="IgnoreTarget"/> elsewhere).
    /// </summary>
    public static (int[] Input, int[] Targets) Apply(int[] ids, Rng rng, int vocabSize, int firstOrdinaryId,
                                                     double maskProbability = 0.15, int maskId = Vocabulary.MaskId)
    {
        var input = (int[])ids.Clone();
        var targets = new int[ids.Length];
        Array.Fill(targets, IgnoreTarget);
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] < firstOrdinaryId) continue;
            if (rng.NextDouble() >= maskProbability) continue;
            targets[i] = ids[i];
            double r = rng.NextDouble();
            if (r < 0.8) input[i] = maskId;
            else if (r < 0.9) input[i] = firstOrdinaryId + rng.NextInt(vocabSize - firstOrdinaryId);
        }
        return (input, targets);
    }
}

