using EncDec.Data;
using EncDec.Autograd;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Training;
using EncDec.Text;

namespace EncDec.Speech.Training;

/// <summary>
/// Teacher-forced training of a <see cref="SpeechToSequenceModel"/> on batches drawn from a sampler, and greedy/beam
/// decoding of log-mels through the existing <see cref="SequenceGenerator"/>.
/// </summary>
public static class SpeechTrainer
{
    public static SpeechTrainReport Train(SpeechToSequenceModel model, ITokenizer tokenizer, Func<int, IReadOnlyList<SpeechExample>> sampler,
                                          SpeechTrainOptions o, Action<int, float>? progress = null, CancellationToken cancel = default)
        => Train(model, CreateOptimizer(model, o), tokenizer, sampler, o, progress, cancel);

    /// <summary>The run's optimizer: Adam (β₂ 0.98) at the peak learning rate.</summary>
    public static Optimizer CreateOptimizer(SpeechToSequenceModel model, SpeechTrainOptions o)
        => new Adam(model.NamedParameters(), new OptimizerOptions(OptimizerKind.Adam, o.Lr, Beta2: 0.98));

    /// <summary>
    /// Trains with <paramref name="opt"/> (its state restored by a resumed run) from <paramref name="startStep"/> to
    /// <c>SpeechTrainOptions.Steps</c>; <paramref name="progress"/> sees (steps done, smoothed loss) after each update.
    /// </summary>
    public static SpeechTrainReport Train(SpeechToSequenceModel model, Optimizer opt, ITokenizer tokenizer, Func<int, IReadOnlyList<SpeechExample>> sampler,
                                          SpeechTrainOptions o, Action<int, float>? progress = null, CancellationToken cancel = default, int startStep = 0)
    {
        if (o.CtcWeight is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(o), $"ctc weight must be in [0, 1], got {o.CtcWeight}");
        if (o.CtcWeight > 0 && model.CtcHead is null) throw new ArgumentException("a CTC weight needs a model with a CTC head (speech.ctc: true)");
        var (steps, loss, seconds) = SupervisedLoop.Run(model, opt, Schedule(o), () =>
        {
            var batch = sampler(o.BatchSize);
            var (mel, frames) = SpeechFeatures.Batch(batch, model.MelBins);
            var texts = batch.Select(e => e.Text).ToArray();
            var (input, target) = Targets(tokenizer, texts);
            if (o.CtcWeight <= 0)
            {
                var logits = model.Forward(mel, frames, input);                           // (B, L, V)
                return F.CrossEntropy(logits.Reshape(-1, logits.Shape[^1]), target, ignoreIndex: Vocabulary.PadId, labelSmoothing: o.LabelSmoothing);
            }
            var (decLogits, ctcLogits, lengths) = model.ForwardWithCtc(mel, frames, input);   // (B, L, V), (B, S, V)
            var ctc = F.CtcLoss(ctcLogits, lengths, CtcTargets(tokenizer, texts), CtcBlankId, zeroInfinity: true);
            if (o.CtcWeight >= 1) return ctc;
            var ce = F.CrossEntropy(decLogits.Reshape(-1, decLogits.Shape[^1]), target, ignoreIndex: Vocabulary.PadId, labelSmoothing: o.LabelSmoothing);
            return ce * (float)(1 - o.CtcWeight) + ctc * (float)o.CtcWeight;
        }, progress, cancel, startStep);
        return new SpeechTrainReport(steps, loss, seconds);
    }

    /// <summary>Warm-up to the peak, then cosine decay to 5% of it by the last step or the time limit, whichever is further along.</summary>
    public static double LearningRate(SpeechTrainOptions o, int step, double timeFraction = 0) => Schedule(o).LearningRate(step, timeFraction);

    private static LoopSchedule Schedule(SpeechTrainOptions o) => o.Schedule;

    /// <summary>Decoder inputs [BOS] + ids (B, L) and targets ids + [EOS] (B·L), padded with PAD.</summary>
    public static (IndexTensor Input, IndexTensor Target) Targets(ITokenizer tokenizer, IReadOnlyList<string> texts)
        => DecoderTargets.FromTexts(tokenizer, texts);

    /// <summary>The CTC blank: the vocabulary's PAD id, which no transcript contains.</summary>
    public const int CtcBlankId = Vocabulary.PadId;

    /// <summary>Each transcript's token ids without BOS/EOS: the CTC label sequences.</summary>
    public static int[][] CtcTargets(ITokenizer tokenizer, IReadOnlyList<string> texts)
        => texts.Select(t => tokenizer.Encode(t)).ToArray();

    /// <summary>Transcribes every utterance with the CTC head's best path (no decoder; the model needs a CTC head).</summary>
    public static string[] DecodeCtc(SpeechToSequenceModel model, ITokenizer tokenizer, IReadOnlyList<SpeechExample> examples, int batch = 64)
    {
        model.Eval();
        var result = new List<string>();
        for (int s = 0; s < examples.Count; s += batch)
        {
            using var scope = TensorScope.Begin();
            var (mel, frames) = SpeechFeatures.Batch(examples.Skip(s).Take(batch).ToList(), model.MelBins);
            var (logits, lengths) = model.CtcLogits(mel, frames);                          // (B, S, V)
            foreach (var ids in CtcGreedyDecoder.Decode(logits, lengths, CtcBlankId)) result.Add(tokenizer.Decode(ids));
        }
        return result.ToArray();
    }

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
