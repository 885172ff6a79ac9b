using System.Diagnostics;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;

namespace EncDec.Training;

/// <summary>
/// Trains a <see cref="SequenceClassifier"/> with cross-entropy on labelled sequences: random batches (seeded), the
/// <see cref="TrainerOptions"/>' optimizer, schedule, clipping, step and time limits. Deterministic for a seed.
/// </summary>
public sealed class ClassifierTrainer(SequenceClassifier classifier, TrainerOptions options, ClassifierTrainOptions classifierOptions)
{
    public event Action<StepInfo>? StepCompleted;

    public ClassifierTrainResult Train(IReadOnlyList<LabelledSequence> train, IReadOnlyList<LabelledSequence>? valid = null, CancellationToken cancel = default)
    {
        if (train.Count == 0) throw new UserInputException("the classifier's training set is empty");
        foreach (var e in train)
            if ((uint)e.Label >= (uint)classifier.NumClasses) throw new ArgumentException($"label {e.Label} outside the {classifier.NumClasses} classes");
        var model = classifier.Model;
        var optimizer = Optimizer.Create(options.Optimizer, model.NamedParameters());
        var schedule = LrSchedule.Create(options.Schedule);
        var rng = new Rng(options.Seed ^ 0xC1A55UL);
        var clock = Stopwatch.StartNew();
        var losses = new List<double>();
        int batchSize = Math.Max(1, Math.Min(classifierOptions.BatchSize, train.Count));
        var order = Enumerable.Range(0, train.Count).ToArray();
        int next = order.Length;
        long step = 0;
        model.Train();
        while (step < options.MaxSteps && !cancel.IsCancellationRequested)
        {
            if (options.MaxMinutes is { } mm && clock.Elapsed.TotalMinutes >= mm) break;
            var tokens = new int[batchSize][];
            var labels = new int[batchSize];
            for (int i = 0; i < batchSize; i++)
            {
                if (next >= order.Length) { rng.Shuffle(order.AsSpan()); next = 0; }
                var e = train[order[next++]];
                int keep = e.Tokens.Length;
                if (keep > 1 && rng.NextDouble() < classifierOptions.PrefixFraction) keep = 1 + rng.NextInt(keep);
                tokens[i] = e.Tokens[..keep];
                labels[i] = e.Label;
            }
            double loss, norm;
            using (TensorScope.Begin(freeActivations: true))
            {
                var l = classifier.Loss(tokens, labels);
                loss = l.Item();
                l.Backward();
                var ps = model.Parameters().ToList();
                norm = options.ClipNorm > 0 ? GradClip.ClipGradNorm(ps, options.ClipNorm) : GradClip.TotalNorm(ps);
                step++;
                optimizer.Lr = schedule.LrAt(step);
                if (double.IsFinite(norm) && double.IsFinite(loss)) optimizer.Step();
                optimizer.ZeroGrad();
            }
            losses.Add(loss);
            StepCompleted?.Invoke(new StepInfo(step, loss, optimizer.Lr, norm, 0, batchSize, 1, 0, !double.IsFinite(loss), clock.Elapsed.TotalSeconds));
        }
        model.Eval();
        double trainAcc = Accuracy(classifier, train);
        double? validAcc = valid is { Count: > 0 } ? Accuracy(classifier, valid) : null;
        return new ClassifierTrainResult(step, losses, trainAcc, validAcc, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The fraction of <paramref name="data"/> whose most likely class is its label (in chunks of 64).</summary>
    public static double Accuracy(SequenceClassifier classifier, IReadOnlyList<LabelledSequence> data)
    {
        if (data.Count == 0) return double.NaN;
        int right = 0;
        for (int at = 0; at < data.Count; at += 64)
        {
            var chunk = data.Skip(at).Take(64).ToList();
            var predicted = classifier.Predict(chunk.Select(e => e.Tokens).ToList());
            for (int i = 0; i < chunk.Count; i++) if (predicted[i] == chunk[i].Label) right++;
        }
        return (double)right / data.Count;
    }
}
