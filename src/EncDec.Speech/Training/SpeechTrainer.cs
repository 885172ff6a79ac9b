using EncDec.Data;
using System.Diagnostics;
using EncDec.Autograd;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Speech.Training;

/// <summary>Settings of a speech-to-text training run (Adam, linear warm-up then cosine decay to 5%).</summary>
public sealed record SpeechTrainOptions
{
    public int Steps { get; init; } = 2000;
    public int BatchSize { get; init; } = 32;
    public double Lr { get; init; } = 2e-3;
    public int Warmup { get; init; } = 100;
    public double ClipNorm { get; init; } = 1.0;
    public float LabelSmoothing { get; init; }
    /// <summary>Stop early after this many minutes (0 = no limit).</summary>
    public double MaxMinutes { get; init; }
}

/// <summary>What a run did: steps taken, the last smoothed loss, seconds.</summary>
public sealed record SpeechTrainReport(int Steps, float Loss, double Seconds);

/// <summary>
/// Teacher-forced training of a <see cref="SpeechToSequenceModel"/> on batches drawn from a sampler, and greedy/beam
/// decoding of log-mels through the existing <see cref="SequenceGenerator"/>.
/// </summary>
public static class SpeechTrainer
{
    public static SpeechTrainReport Train(SpeechToSequenceModel model, ITokenizer tokenizer, Func<int, IReadOnlyList<SpeechExample>> sampler,
                                          SpeechTrainOptions o, Action<int, float>? progress = null, CancellationToken cancel = default)
    {
        var opt = new Adam(model.NamedParameters(), new OptimizerOptions(OptimizerKind.Adam, o.Lr, Beta2: 0.98));
        var sw = Stopwatch.StartNew();
        float smooth = float.NaN; int step = 0;
        model.Train();
        for (; step < o.Steps && !cancel.IsCancellationRequested; step++)
        {
            if (o.MaxMinutes > 0 && sw.Elapsed.TotalMinutes >= o.MaxMinutes) break;
            opt.Lr = LearningRate(o, step, o.MaxMinutes > 0 ? sw.Elapsed.TotalMinutes / o.MaxMinutes : 0);
            float loss;
            using (var scope = TensorScope.Begin(freeActivations: true))
            {
                var batch = sampler(o.BatchSize);
                var (mel, frames) = SpeechFeatures.Batch(batch, model.MelBins);
                var (input, target) = Targets(tokenizer, batch.Select(e => e.Text).ToArray());
                var logits = model.Forward(mel, frames, input);                               // (B, L, V)
                var l = F.CrossEntropy(logits.Reshape(-1, logits.Shape[^1]), target, ignoreIndex: Vocabulary.PadId, labelSmoothing: o.LabelSmoothing);
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
        return new SpeechTrainReport(step, smooth, sw.Elapsed.TotalSeconds);
    }

    /// <summary>Warm-up to the peak, then cosine decay to 5% of it by the last step or the time limit, whichever is further along.</summary>
    public static double LearningRate(SpeechTrainOptions o, int step, double timeFraction = 0)
    {
        if (step < o.Warmup) return o.Lr * (step + 1) / o.Warmup;
        double t = Math.Max((double)(step - o.Warmup) / Math.Max(1, o.Steps - o.Warmup), timeFraction);
        return o.Lr * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, t))));
    }

    /// <summary>Decoder inputs [BOS] + ids (B, L) and targets ids + [EOS] (B·L), padded with PAD.</summary>
    public static (IndexTensor Input, IndexTensor Target) Targets(ITokenizer tokenizer, IReadOnlyList<string> texts)
        => DecoderTargets.FromTexts(tokenizer, texts);

    /// <summary>Transcribes every utterance in batches with <paramref name="options"/> (default greedy).</summary>
    public static string[] Decode(SpeechToSequenceModel model, ITokenizer tokenizer, IReadOnlyList<SpeechExample> examples,
                                  GenerationOptions? options = null, int batch = 64, int maxLength = 32)
    {
        model.Eval();
        var o = options ?? new GenerationOptions { MaxLength = maxLength };
        var result = new List<string>();
        for (int s = 0; s < examples.Count; s += batch)
        {
            using var scope = TensorScope.Begin();
            var part = examples.Skip(s).Take(batch).ToList();
            var (mel, frames) = SpeechFeatures.Batch(part, model.MelBins);
            var src = model.ForAudio(mel, frames);
            foreach (var r in SequenceGenerator.Generate(src, src.Sources, o)) result.Add(tokenizer.Decode(r.Best.Tokens));
        }
        return result.ToArray();
    }
}
