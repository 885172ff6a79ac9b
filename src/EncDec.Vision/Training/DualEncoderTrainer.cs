using EncDec.Autograd;
using EncDec.Data;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Training;
using EncDec.Text;

namespace EncDec.Vision.Training;

/// <summary>
/// Contrastive training of a <see cref="DualEncoder"/> on batches of (images, captions) drawn from a sampler (Adam, the
/// warm-up + cosine schedule of <see cref="ImageSequenceTrainer.LearningRate"/>), and retrieval evaluation.
/// Pairs with the same caption count as one group (positives of one another) in the loss and in recall@k.
/// </summary>
public static class DualEncoderTrainer
{
    /// <summary>
    /// Trains with one hard-negative caption per pair from <paramref name="sampler"/> (images, texts, negatives): the
    /// image→text softmax also runs over the negatives (see the hard-negative <see cref="F.SymmetricInfoNce(Tensor, Tensor, Tensor, Tensor, IReadOnlyList{int})"/>).
    /// </summary>
    public static ImageTrainReport Train(DualEncoder model, ITokenizer tokenizer, Func<int, (Tensor Images, string[] Texts, string[] Negatives)> sampler,
                                         ImageTrainOptions o, Action<int, float>? progress = null, CancellationToken cancel = default)
    {
        if (model.CaptionDecoder is not null) throw new UserInputException("hard negatives and the captioning loss (caption_loss_weight) do not combine; use one");
        var opt = new Adam(model.NamedParameters(), new OptimizerOptions(OptimizerKind.Adam, o.Lr, Beta2: 0.98));
        var (steps, loss, seconds) = SupervisedLoop.Run(model, opt, ImageSequenceTrainer.Schedule(o), () =>
        {
            var (images, texts, negatives) = sampler(o.BatchSize);
            var (ids, lengths) = Tokens(tokenizer, texts);
            var (negIds, negLengths) = Tokens(tokenizer, negatives);
            return model.Loss(images, ids, lengths, negIds, negLengths, Groups([.. texts, .. negatives]));
        }, progress, cancel);
        return new ImageTrainReport(steps, loss, seconds);
    }

    public static ImageTrainReport Train(DualEncoder model, ITokenizer tokenizer, Func<int, (Tensor Images, string[] Texts)> sampler,
                                         ImageTrainOptions o, Action<int, float>? progress = null, CancellationToken cancel = default)
    {
        var opt = new Adam(model.NamedParameters(), new OptimizerOptions(OptimizerKind.Adam, o.Lr, Beta2: 0.98));
        var (steps, loss, seconds) = SupervisedLoop.Run(model, opt, ImageSequenceTrainer.Schedule(o), () =>
        {
            var (images, texts) = sampler(o.BatchSize);
            var (ids, lengths) = Tokens(tokenizer, texts);
            if (model.CaptionDecoder is null) return model.Loss(images, ids, lengths, Groups(texts));
            var (input, target) = DecoderTargets.FromTexts(tokenizer, texts);   // CoCa: the captioning loss on the same captions
            return model.Loss(images, ids, lengths, Groups(texts), input, target);
        }, progress, cancel);
        return new ImageTrainReport(steps, loss, seconds);
    }

    /// <summary>Token ids (N, T) padded with PAD, and each text's length.</summary>
    public static (IndexTensor Ids, int[] Lengths) Tokens(ITokenizer tokenizer, IReadOnlyList<string> texts)
    {
        var ids = texts.Select(tokenizer.Encode).ToArray();
        int t = Math.Max(1, ids.Max(x => x.Length)), n = texts.Count;
        var data = new int[n * t];
        Array.Fill(data, Vocabulary.PadId);
        for (int i = 0; i < n; i++) Array.Copy(ids[i], 0, data, i * t, ids[i].Length);
        return (new IndexTensor(data, n, t), ids.Select(x => x.Length).ToArray());
    }

    /// <summary>One group id per text: equal texts share it.</summary>
    public static int[] Groups(IReadOnlyList<string> texts)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        return texts.Select(t => ids.TryGetValue(t, out var g) ? g : ids[t] = ids.Count).ToArray();
    }

    /// <summary>Embeds images (N, C, H, W) and their captions in batches, returns the similarity matrix (N × N, image rows).</summary>
    public static float[] Similarity(DualEncoder model, ITokenizer tokenizer, Tensor images, IReadOnlyList<string> texts, int batch = 256)
    {
        model.Eval();
        int n = images.Shape[0], p = model.ImageProjection.OutFeatures;
        var img = new float[n * p]; var txt = new float[n * p];
        using (Tensors.GradMode.NoGrad())
            for (int s = 0; s < n; s += batch)
            {
                using var scope = TensorScope.Begin();
                int m = Math.Min(batch, n - s);
                model.EncodeImages(images.Narrow(0, s, m).Contiguous()).CopyTo(img.AsSpan(s * p, m * p));
                var (ids, lengths) = Tokens(tokenizer, texts.Skip(s).Take(m).ToArray());
                model.EncodeTexts(ids, lengths).CopyTo(txt.AsSpan(s * p, m * p));
            }
        using (Tensors.GradMode.NoGrad())
            return Tensor.FromArray(img, n, p).MatMul(Tensor.FromArray(txt, n, p), transB: true).ToArray();   // (N, P)·(N, P)ᵀ → (N, N)
    }

    /// <summary>Recall@1/@5 image→text and text→image over the whole set (equal captions are equally right).</summary>
    public static RetrievalScores Evaluate(DualEncoder model, ITokenizer tokenizer, Tensor images, IReadOnlyList<string> texts)
        => RetrievalRecall.Both(Similarity(model, tokenizer, images, texts), images.Shape[0], Groups(texts));
}
