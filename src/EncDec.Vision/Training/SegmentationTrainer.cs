using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Training;

namespace EncDec.Vision.Training;

/// <summary>Training of a <see cref="UNet"/> with Dice + cross-entropy on batches from a sampler, and mask prediction.</summary>
public static class SegmentationTrainer
{
    public static ImageTrainReport Train(UNet model, Func<int, (Tensor Images, IndexTensor Masks)> sampler, ImageTrainOptions o,
                                         Action<int, float>? progress = null, CancellationToken cancel = default)
    {
        var opt = new Adam(model.NamedParameters(), new OptimizerOptions(OptimizerKind.Adam, o.Lr));
        var (steps, loss, seconds) = SupervisedLoop.Run(model, opt, ImageSequenceTrainer.Schedule(o), () =>
        {
            var (images, masks) = sampler(o.BatchSize);
            return SegmentationLoss.DiceCrossEntropy(model.Forward(images), masks);
        }, progress, cancel);
        return new ImageTrainReport(steps, loss, seconds);
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
