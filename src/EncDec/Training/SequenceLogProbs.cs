using EncDec.Autograd;
using EncDec.Data;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Training;

/// <summary>
/// Teacher-forced log-probabilities of whole given output sequences (EOS included) under a model, with gradient:
/// the building block of sequence-level objectives.
/// </summary>
public static class SequenceLogProbs
{
    /// <summary>
    /// log p(y_n | x_n) for each pair, summed over the tokens of y_n and its EOS (shape (N)), and the tokens counted.
    /// Also returns the mean per-token entropy of the model's distributions at those positions when asked (else null).
    /// With <paramref name="temperature"/> τ ≠ 1 the distributions are the tempered ones, softmax(logits / τ).
    /// </summary>
    public static (Tensor LogProbs, int Tokens, Tensor? MeanEntropy) Compute(ITeacherForcedModel model, IReadOnlyList<int[]> sources,
                                                                            IReadOnlyList<int[]> outputs, bool entropy = false, float temperature = 1f)
    {
        int n = sources.Count;
        var examples = new List<Example>(n);
        for (int i = 0; i < n; i++) examples.Add(new Example(sources[i], outputs[i]));
        var batch = Batch.Create(examples, Enumerable.Range(0, n).ToArray());
        var (logits, _) = model.Forward(new IndexTensor(batch.Src, n, batch.S), batch.SrcLengths, new IndexTensor(batch.TgtIn, n, batch.T)); // (N, T, V)
        if (temperature != 1f) logits = logits.MulScalar(1f / temperature);                                  // (N, T, V)
        var logp = logits.LogSoftmax(-1);                                                                      // (N, T, V)
        var picked = F.Gather(logp, 2, new IndexTensor(batch.TgtOut, n, batch.T, 1)).Reshape(n, batch.T);     // (N, T, 1) → (N, T)
        var maskData = new float[n * batch.T];
        for (int i = 0; i < n; i++) maskData.AsSpan(i * batch.T, batch.TgtLengths[i]).Fill(1f);
        var mask = Tensor.FromArray(maskData, n, batch.T);                                                     // (N, T)
        var seq = picked.Mul(mask).Sum(1);                                                                     // (N)
        int tokens = batch.TgtLengths.Sum();
        Tensor? meanEntropy = null;
        if (entropy)
        {
            // H = −Σ_v p log p per position, averaged over the real positions
            var h = logp.Exp().Mul(logp).Sum(2).Neg();                                                         // (N, T)
            meanEntropy = h.Mul(mask).Sum().MulScalar(1f / Math.Max(tokens, 1));
        }
        return (seq, tokens, meanEntropy);
    }

    /// <summary>The sources of a batch as id arrays (padding removed), in batch order.</summary>
    public static List<int[]> Sources(Batch batch) =>
        Enumerable.Range(0, batch.B).Select(b => batch.Src.AsSpan(b * batch.S, batch.SrcLengths[b]).ToArray()).ToList();

    /// <summary>The gold targets of a batch (without EOS), in batch order.</summary>
    public static List<int[]> References(Batch batch) =>
        Enumerable.Range(0, batch.B).Select(b => batch.TgtOut.AsSpan(b * batch.T, batch.TgtLengths[b] - 1).ToArray()).ToList();

    /// <summary>(1 − w)·<paramref name="objective"/> + w·(gold cross-entropy of the batch), the MLE mix of
    /// <see cref="SequenceObjectiveOptions.MleWeight"/> (the objective alone when w = 0).</summary>
    internal static Tensor MixGold(ITeacherForcedModel model, Tensor objective, Batch batch, double mleWeight)
    {
        if (mleWeight <= 0) return objective;
        var mle = GoldCrossEntropy(model, batch, 0f);
        return objective.MulScalar((float)(1 - mleWeight)).Add(mle.MulScalar((float)mleWeight));
    }

    /// <summary>Runs <paramref name="decode"/> with <paramref name="model"/> in eval mode (no dropout) and restores its mode.</summary>
    internal static T WithoutDropout<T>(Module model, Func<T> decode)
    {
        bool training = model.Training;
        model.Eval();
        try { return decode(); }
        finally { if (training) model.Train(); }
    }

    /// <summary>K samples per source at step <paramref name="step"/>: the seed and the step fix every draw, so a resumed
    /// run draws the same.</summary>
    internal static GenerationOptions SamplingOptions(SequenceObjectiveOptions o, long step) => new()
    {
        Strategy = DecodingStrategy.Sample, NBest = o.Samples, MaxLength = o.MaxLength, Temperature = o.Temperature,
        Seed = o.Seed * 0x9E3779B97F4A7C15UL + (ulong)step,
    };

    /// <summary>Teacher-forced cross-entropy of the batch's gold targets (the MLE term mixed into sequence objectives).</summary>
    public static Tensor GoldCrossEntropy(ITeacherForcedModel model, Batch batch, float labelSmoothing)
    {
        var (logits, _) = model.Forward(new IndexTensor(batch.Src, batch.B, batch.S), batch.SrcLengths, new IndexTensor(batch.TgtIn, batch.B, batch.T)); // (B, T, V)
        return F.CrossEntropy(logits.Reshape(batch.B * batch.T, -1), new IndexTensor(batch.TgtOut, batch.B * batch.T),   // (B·T, V)
                              ignoreIndex: Vocabulary.PadId, labelSmoothing: labelSmoothing);
    }
}
