using System.Diagnostics;
using EncDec.Nn;
using EncDec.Optim;
using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>Length, peak learning rate, warm-up, clipping and time limit of a <see cref="SupervisedLoop"/> run.</summary>
public readonly record struct LoopSchedule(int Steps, double Lr, int Warmup, double ClipNorm, double MaxMinutes)
{
    /// <summary>
    /// Warm-up to the peak, then cosine decay to 5% of it at the end of the run: the last step, or the time limit when
    /// <paramref name="timeFraction"/> (elapsed / limit) is further along, so a run cut short by time still anneals.
    /// </summary>
    public double LearningRate(int step, double timeFraction = 0)
    {
        if (step < Warmup) return Lr * (step + 1) / Warmup;
        double t = Math.Max((double)(step - Warmup) / Math.Max(1, Steps - Warmup), timeFraction);
        return Lr * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, t))));
    }
}

/// <summary>
/// The step loop of the small task trainers (image-to-sequence, dual encoder, segmentation, speech): per step the
/// schedule's learning rate, one batch loss inside a scope that frees activations, backward, clipping, the optimizer
/// step; stops at the last step, the time limit or cancellation, and reports the smoothed loss.
/// </summary>
public static class SupervisedLoop
{
    /// <summary>
    /// Runs the loop; <paramref name="batchLoss"/> draws a batch and returns its scalar loss. A resumed run passes the
    /// steps already taken as <paramref name="startStep"/> (the schedule goes on from there; the returned count is absolute).
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
