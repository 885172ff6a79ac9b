using EncDec.Data;
using EncDec.Autograd;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Training;
using EncDec.Text;

namespace EncDec.Vision.Training;

/// <summary>
/// Teacher-forced training of an <see cref="ImageToSequenceModel"/> on batches drawn from a sampler (images + texts),
/// and greedy/beam decoding through the existing <see cref="SequenceGenerator"/>.
/// </summary>
public static class ImageSequenceTrainer
{
    public static ImageTrainReport Train(ImageToSequenceModel model, ITokenizer tokenizer, Func<int, (Tensor Images, string[] Texts)> sampler,
                                         ImageTrainOptions o, Action<int, float>? progress = null, CancellationToken cancel = default)
    {
        var opt = o.WeightDecay > 0
            ? new AdamW(model.NamedParameters(), new OptimizerOptions(OptimizerKind.AdamW, o.Lr, WeightDecay: o.WeightDecay, Beta2: 0.98))
            : new Adam(model.NamedParameters(), new OptimizerOptions(OptimizerKind.Adam, o.Lr, Beta2: 0.98));
        var parameters = model.Parameters().ToArray();
        var average = o.EmaDecay > 0 ? parameters.Select(p => p.Span.ToArray()).ToArray() : null;
        if (average is not null)
        {
            var user = progress;
            progress = (step, smooth) =>
            {
                float keep = (float)Math.Min(o.EmaDecay, (1.0 + step) / (10.0 + step));   // early steps forget the initial weights fast
                for (int i = 0; i < parameters.Length; i++)
                {
                    // avg = keep·avg + (1 − keep)·w
                    System.Numerics.Tensors.TensorPrimitives.Multiply(average[i], keep, average[i]);
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(parameters[i].Span, 1f - keep, average[i], average[i]);
                }
                user?.Invoke(step, smooth);
            };
        }
        var (steps, loss, seconds) = SupervisedLoop.Run(model, opt, Schedule(o), () =>
        {
            var (images, texts) = sampler(o.BatchSize);
            var (input, target) = Targets(tokenizer, texts);
            var logits = model.Forward(images, input);                                    // (B, T, V)
            return F.CrossEntropy(logits.Reshape(-1, logits.Shape[^1]), target, ignoreIndex: Vocabulary.PadId, labelSmoothing: o.LabelSmoothing);
        }, progress, cancel);
        if (average is not null)
            for (int i = 0; i < parameters.Length; i++) average[i].CopyTo(parameters[i].Span);
        return new ImageTrainReport(steps, loss, seconds);
    }

    /// <summary>
    /// Warm-up to the peak, then cosine decay to 5% of it at the end of the run: the last step, or the time limit when
    /// <paramref name="timeFraction"/> (elapsed / limit) is further along, so a run cut short by time still anneals.
    /// </summary>
    public static double LearningRate(ImageTrainOptions o, int step, double timeFraction = 0) => Schedule(o).LearningRate(step, timeFraction);

    /// <summary>The loop schedule of these options.</summary>
    public static LoopSchedule Schedule(ImageTrainOptions o) => o.Schedule;

    /// <summary>Decoder inputs [BOS] + ids (B, L) and targets ids + [EOS] (B·L), padded with PAD.</summary>
    public static (IndexTensor Input, IndexTensor Target) Targets(ITokenizer tokenizer, IReadOnlyList<string> texts)
        => DecoderTargets.FromTexts(tokenizer, texts);

    /// <summary>Decodes every image (N, C, H, W) in batches with <paramref name="options"/> (default greedy).</summary>
    public static string[] Decode(ImageToSequenceModel model, ITokenizer tokenizer, Tensor images, GenerationOptions? options = null, int batch = 128, int maxLength = 16)
    {
        model.Eval();
        // an undertrained model may never end a row: stop within the learned positions (one for BOS, one for the forced end)
        if (model.TgtEmbed.Positions is EncDec.Nn.LearnedPositionalEmbedding learned) maxLength = Math.Min(maxLength, learned.MaxLength - 2);
        var o = options ?? new GenerationOptions { MaxLength = maxLength };
        var result = new List<string>();
        int n = images.Shape[0];
        for (int s = 0; s < n; s += batch)
        {
            using var scope = TensorScope.Begin();
            var part = images.Narrow(0, s, Math.Min(batch, n - s)).Contiguous();
            var src = model.ForImages(part);
            foreach (var r in SequenceGenerator.Generate(src, src.Sources, o)) result.Add(tokenizer.Decode(r.Best.Tokens));
        }
        return result.ToArray();
    }

    /// <summary>Fraction of predictions equal to their reference.</summary>
    public static double ExactMatch(IReadOnlyList<string> predictions, IReadOnlyList<string> references)
        => predictions.Count == 0 ? 0 : predictions.Zip(references).Count(p => p.First == p.Second) / (double)predictions.Count;
}
