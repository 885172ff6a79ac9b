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

    /// <summary>The pixel shifts (dx, dy) of <see cref="DecodeShiftVote"/>, in the order they are taken (no shift first).</summary>
    public static readonly (int Dx, int Dy)[] VoteShifts = [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (-1, 1), (1, -1)];

    /// <summary>
    /// Test-time augmentation: decodes every image (N, C, H, W) as it is and shifted by the first <paramref name="views"/>
    /// of <see cref="VoteShifts"/> (zeros shifted in), and keeps for each image the string most of the views give; a tie
    /// goes to the string the earliest view gave (the unshifted image first). One view is plain <see cref="Decode"/>.
    /// </summary>
    public static string[] DecodeShiftVote(ImageToSequenceModel model, ITokenizer tokenizer, Tensor images, int views, GenerationOptions? options = null, int maxLength = 16)
    {
        if (views < 1 || views > VoteShifts.Length) throw new ArgumentOutOfRangeException(nameof(views), $"views: expected 1..{VoteShifts.Length}, got {views}");
        var votes = new string[views][];
        for (int v = 0; v < views; v++)
            votes[v] = Decode(model, tokenizer, v == 0 ? images : Shift(images, VoteShifts[v].Dx, VoteShifts[v].Dy), options, maxLength: maxLength);
        return Vote(votes);
    }

    /// <summary>Per row, the string most of the views give (views[v][i]: view v's string for row i); a tie goes to the earliest view's.</summary>
    public static string[] Vote(IReadOnlyList<string[]> views)
    {
        int n = views[0].Length;
        var result = new string[n];
        // GroupBy keeps first-appearance order and MaxBy returns the first maximum, so ties go to the earliest view
        for (int i = 0; i < n; i++) result[i] = views.Select(v => v[i]).GroupBy(t => t).MaxBy(g => g.Count())!.Key;
        return result;
    }

    /// <summary>Images (N, C, H, W) moved by dx columns and dy rows (positive: right, down), zeros shifted in.</summary>
    public static Tensor Shift(Tensor images, int dx, int dy)
    {
        int n = images.Shape[0], c = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        var src = images.Contiguous().ToArray();
        var dst = new float[src.Length];
        for (int p = 0; p < n * c; p++)
            for (int y = Math.Max(0, dy); y < Math.Min(h, h + dy); y++)
                for (int x = Math.Max(0, dx); x < Math.Min(w, w + dx); x++)
                    dst[(p * h + y) * w + x] = src[(p * h + y - dy) * w + x - dx];
        return Tensor.FromArray(dst, n, c, h, w);   // (N, C, H, W), as given
    }

    /// <summary>Fraction of predictions equal to their reference.</summary>
    public static double ExactMatch(IReadOnlyList<string> predictions, IReadOnlyList<string> references)
        => predictions.Count == 0 ? 0 : predictions.Zip(references).Count(p => p.First == p.Second) / (double)predictions.Count;
}
