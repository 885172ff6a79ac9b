using System.Diagnostics;
using EncDec.Optim;
using EncDec.Tensors;

namespace EncDec.TimeSeries;

/// <summary>
/// Trains a <see cref="ForecastModel"/> with teacher forcing on random batches of training windows (windows are
/// drawn in random order, but every window's targets lie in the training part of the time split), validates on the
/// validation windows with autoregressive forecasts and ends with the best weights loaded.
/// </summary>
public sealed class ForecastTrainer(ForecastModel model, ForecastData data, int[] trainStarts, int[] validStarts, ForecastTrainOptions options)
{
    /// <summary>Called after every step with (step, loss).</summary>
    public Action<int, double>? StepCompleted { get; init; }
    /// <summary>Ridge strengths (relative to the mean diagonal of XᵀX) tried for a <see cref="LinearSkipFit.LeastSquares"/> skip.</summary>
    public static IReadOnlyList<double> SkipRidges { get; } = [1e-3, 1e-2, 0.1, 1, 10];
    /// <summary>The ridge strength chosen for a least-squares skip (after <see cref="Train"/>; NaN otherwise).</summary>
    public double SkipRidge { get; private set; } = double.NaN;
    /// <summary>Called after every validation.</summary>
    public Action<ForecastValidation>? Validated { get; init; }

    public ForecastTrainResult Train(CancellationToken cancel = default)
    {
        if (trainStarts.Length == 0) throw new UserInputException("no training windows: the training part is shorter than --context + --horizon");
        var cfg = model.Config;
        var rng = new Rng(options.Seed);
        if (options.SkipFit == LinearSkipFit.LeastSquares && model.Skip is not null)
        {
            using (TensorScope.Begin())
                SkipRidge = model.FitLinearSkip(data.Batch(trainStarts, cfg, withFuture: true),
                                                validStarts.Length > 0 ? data.Batch(validStarts, cfg, withFuture: true) : null, SkipRidges);
            model.Skip.Weight.RequiresGrad = false;                          // held fixed: the network learns the residual
            model.Skip.Bias!.RequiresGrad = false;
        }
        var trainable = model.NamedParameters().Where(p => p.Param.RequiresGrad).ToList();
        var opt = Optimizer.Create(new OptimizerOptions(OptimizerKind.AdamW, options.Lr, WeightDecay: options.WeightDecay), trainable);
        var losses = new List<double>();
        var vals = new List<ForecastValidation>();
        double best = double.PositiveInfinity;
        Dictionary<string, float[]>? bestWeights = null;
        int bad = 0, step = 0;
        string reason = "steps";
        var clock = Stopwatch.StartNew();
        var order = (int[])trainStarts.Clone();
        int at = order.Length;
        var batchStarts = new int[Math.Min(options.BatchSize, order.Length)];
        model.Train();
        while (step < options.Steps)
        {
            if (cancel.IsCancellationRequested) { reason = "cancelled"; break; }
            if (clock.Elapsed.TotalSeconds >= options.MaxSeconds) { reason = "time limit"; break; }
            for (int i = 0; i < batchStarts.Length; i++)
            {
                if (at >= order.Length) { rng.Shuffle(order.AsSpan()); at = 0; }
                batchStarts[i] = order[at++];
            }
            // cosine decay from Lr to Lr/20 over the run
            opt.Lr = options.Lr * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * step / options.Steps)));
            using (TensorScope.Begin(freeActivations: true))
            {
                var batch = data.Batch(batchStarts, cfg, withFuture: true);
                bool forced = options.TeacherForcing >= 1 || rng.NextDouble() < options.TeacherForcing;
                var loss = forced ? model.Loss(batch) : model.FreeRunningLoss(batch);
                double lv = loss.Item();
                loss.Backward();
                if (double.IsFinite(lv))
                {
                    if (options.ClipNorm > 0) GradClip.ClipGradNorm(trainable.Select(p => p.Param), options.ClipNorm);
                    opt.Step();
                }
                opt.ZeroGrad();
                losses.Add(lv);
            }
            step++;
            StepCompleted?.Invoke(step, losses[^1]);
            bool last = step >= options.Steps;
            if (validStarts.Length > 0 && (step % options.ValidEvery == 0 || last))
            {
                double v = Validate(validStarts);
                bool isBest = v < best;
                if (isBest) { best = v; bad = 0; bestWeights = Snapshot(); } else bad++;
                var info = new ForecastValidation(step, v, isBest);
                vals.Add(info);
                Validated?.Invoke(info);
                if (options.Patience > 0 && bad >= options.Patience) { reason = "early stopping"; break; }
            }
        }
        // a run stopped by time (or steps) after its last validation validates its final weights too
        if (validStarts.Length > 0 && step > 0 && reason != "cancelled" && reason != "early stopping" && (vals.Count == 0 || vals[^1].Step != step))
        {
            double v = Validate(validStarts);
            bool isBest = v < best;
            if (isBest) { best = v; bestWeights = null; }                  // the current weights are the best: keep them
            var info = new ForecastValidation(step, v, isBest);
            vals.Add(info);
            Validated?.Invoke(info);
        }
        if (bestWeights is not null) Restore(bestWeights);
        model.Eval();
        return new ForecastTrainResult(step, reason, losses, vals, best, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Mean loss of autoregressive forecasts over the windows at <paramref name="starts"/>.</summary>
    public double Validate(int[] starts)
    {
        model.Eval();
        double sum = 0; int count = 0;
        for (int i = 0; i < starts.Length; i += 256)
        {
            using var scope = TensorScope.Begin();
            var chunk = starts.Skip(i).Take(256).ToArray();
            var b = data.Batch(chunk, model.Config, withFuture: true);
            var y = model.Forecast(b);
            sum += ForecastLoss.Compute(model.Config, y, b.FutureValues!).Item() * chunk.Length;
            count += chunk.Length;
        }
        model.Train();
        return sum / Math.Max(count, 1);
    }

    private Dictionary<string, float[]> Snapshot() => model.NamedParameters().ToDictionary(p => p.Name, p => p.Param.ToArray());

    private void Restore(Dictionary<string, float[]> w)
    {
        foreach (var (name, p) in model.NamedParameters()) w[name].CopyTo(p.Span);
    }
}
