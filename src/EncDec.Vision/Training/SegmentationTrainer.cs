using System.Diagnostics;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;

namespace EncDec.Vision.Training;

/// <summary>Training of a <see cref="UNet"/> with Dice + cross-entropy on batches from a sampler, and mask prediction.</summary>
public static class SegmentationTrainer
{
    public static ImageTrainReport Train(UNet model, Func<int, (Tensor Images, IndexTensor Masks)> sampler, ImageTrainOptions o,
                                         Action<int, float>? progress = null, CancellationToken cancel = default)
    {
        var opt = new Adam(model.NamedParameters(), new OptimizerOptions(OptimizerKind.Adam, o.Lr));
        var sw = Stopwatch.StartNew();
        float smooth = float.NaN; int step = 0;
        model.Train();
        for (; step < o.Steps && !cancel.IsCancellationRequested; step++)
        {
            if (o.MaxMinutes > 0 && sw.Elapsed.TotalMinutes >= o.MaxMinutes) break;
            opt.Lr = ImageSequenceTrainer.LearningRate(o, step, o.MaxMinutes > 0 ? sw.Elapsed.TotalMinutes / o.MaxMinutes : 0);
            float loss;
            using (var scope = TensorScope.Begin(freeActivations: true))
            {
                var (images, masks) = sampler(o.BatchSize);
                var l = SegmentationLoss.DiceCrossEntropy(model.Forward(images), masks);
                loss = l.Item();
                l.Backward();
            }
            if (o.ClipNorm > 0) GradClip.ClipGradNorm(model.Parameters(), o.ClipNorm);
            opt.Step();
            opt.ZeroGrad();
            smooth = float.IsNaN(smooth) ? loss : 0.95f * smooth + 0.05f * loss;
            progress?.Invoke(step + 1, smooth);
        }
        model.Eval();
        return new ImageTrainReport(step, smooth, sw.Elapsed.TotalSeconds);
    }

    /// <summary>Predicted class per pixel (N·H·W) of images (N, C, H, W), in batches.</summary>
    public static int[] Predict(UNet model, Tensor images, int batch = 128)
    {
        model.Eval();
        int n = images.Shape[0];
        var result = new List<int>();
        using (Tensors.GradMode.NoGrad())
            for (int s = 0; s < n; s += batch)
            {
                using var scope = TensorScope.Begin();
                result.AddRange(SegmentationLoss.Predict(model.Forward(images.Narrow(0, s, Math.Min(batch, n - s)).Contiguous())));
            }
        return result.ToArray();
    }
}
