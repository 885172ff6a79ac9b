using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;

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
        var layer = new TransformerLayerOptions(c.DModel, c.Heads, c.FeedForward, c.Dropout, c.Activation, c.Norm, SelfAttention: c.EncoderAttentionOptions()) { ConvKernel = c.EncoderConvKernel };
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
