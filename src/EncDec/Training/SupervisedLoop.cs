using System.Diagnostics;
using EncDec.Nn;
using EncDec.Optim;
using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>
/// The step loop of the small task trainers (image-to-sequence, dual encoder, segmentation, speech): per step the
/// schedule's learning rate, one batch loss inside a scope that frees activations, backward, clipping, the optimizer
/// step; stops at the last step, the time limit or cancellation, and reports the smoothed loss.
/// </summary>
public static class SupervisedLoop
{
    /// <summary>
    /// Runs the loop; <paramref name="batchLoss"/> draws a batch and returns its scalar loss. A resumed run starts at
    /// <paramref name="startStep"/> (the schedule continues from there; the time limit counts from now);
    /// <paramref name="progress"/> gets (steps done, smoothed loss) after every update, when a checkpoint may be written.
    /// </summary>
    public static (int Steps, float Loss, double Seconds) Run(Module model, Optimizer optimizer, LoopSchedule schedule, Func<Tensor> batchLoss,
                                                              Action<int, float>? progress = null, CancellationToken cancel = default, int startStep = 0)
    {
        var sw = Stopwatch.StartNew();
        float smooth = float.NaN; int step = startStep;
        model.Train();
        for (; step < schedule.Steps && !cancel.IsCancellationRequested; step++)
        {
            if (schedule.MaxMinutes > 0 && sw.Elapsed.TotalMinutes >= schedule.MaxMinutes) break;
            optimizer.Lr = schedule.LearningRate(step, schedule.MaxMinutes > 0 ? sw.Elapsed.TotalMinutes / schedule.MaxMinutes : 0);
            float loss;
            using (TensorScope.Begin(freeActivations: true))
            {
                var l = batchLoss();
                loss = l.Item();
                l.Backward();
            }
            if (schedule.ClipNorm > 0) GradClip.ClipGradNorm(model.Parameters(), schedule.ClipNorm);
            optimizer.Step();
            optimizer.ZeroGrad();
            smooth = float.IsNaN(smooth) ? loss : 0.95f * smooth + 0.05f * loss;
            progress?.Invoke(step + 1, smooth);
        }
        model.Eval();
        return (step, smooth, sw.Elapsed.TotalSeconds);
    }
}
