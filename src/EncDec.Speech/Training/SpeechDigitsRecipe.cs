using EncDec.Models;
using EncDec.Nn;
using EncDec.Speech.Audio;
using EncDec.Tensors;

namespace EncDec.Speech.Training;

/// <summary>
/// The spoken-digits recipe shared by <c>encdec demo --task speech-digits</c> and <c>bench accuracy --task
/// speech-digits</c>: log-mels of the shipped clips, a Whisper-style model, training on the training voices
/// (SpecAugment, pairs of clips joined into longer strings, optional CTC), decoding of the held-out voices.
/// </summary>
public static class SpeechDigitsRecipe
{
    /// <summary>The spoken-digits model: d 96 (quick: 32), 3 encoder and 2 decoder layers (quick: 1 and 1), pre-norm, word targets.</summary>
    public static ModelConfig Config(int vocab, SpeechDigitsOptions o) => new()
    {
        Family = ModelFamily.SpeechToSequence, TgtVocabSize = vocab, DModel = o.Quick ? 32 : o.DModel, Heads = 4, FeedForward = o.Quick ? 64 : o.DModel * 8 / 3,
        EncoderLayers = o.Quick ? 1 : o.EncoderLayers, DecoderLayers = o.Quick ? 1 : o.DecoderLayers, Dropout = 0.1f, Norm = NormPosition.Pre,
        MaxPositions = 32, Seed = (ulong)o.Seed,
        Speech = new SpeechConfig { MelBins = LogMelSpectrogram.DefaultMels, MaxFrames = 3000, Ctc = o.CtcWeight > 0 },
    };

    /// <summary>Log-mels of clips, computed in parallel.</summary>
    public static SpeechExample[] Features(IReadOnlyList<SpeechDigitClip> clips, LogMelSpectrogram front)
    {
        var result = new SpeechExample[clips.Count];
        Parallel.For(0, clips.Count, i => result[i] = SpeechFeatures.FromClip(clips[i].Audio, clips[i].Text, front));
        return result;
    }

    public static SpeechDigitsResult Run(SpeechDigitsOptions o, int testSize, Action<string>? log = null, Action<int, float>? progress = null,
                                         CancellationToken cancel = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var front = new LogMelSpectrogram();
        var testClips = SpeechDigits.Load(SpeechDigitSplit.Test).Take(testSize).ToArray();
        var trainClips = SpeedPerturbed(SpeechDigits.Load(SpeechDigitSplit.Train), o.Quick ? [1.0] : o.SpeedFactors);
        if (o.ExtraTrainFolder is { } extra) trainClips = trainClips.Concat(SpeechDigits.LoadFolder(extra, SpeechDigitSplit.Train)).ToArray();
        var train = Features(trainClips, front);
        var test = Features(testClips, front);
        double featureSeconds = sw.Elapsed.TotalSeconds;
        var tok = SpeechDigits.WordTokenizerFor(SpeechDigits.Words);
        var config = Config(tok.Vocab.Count, o);
        var model = ModelFactory.BuildSpeechToSequence(config, new Rng(config.Seed));
        log?.Invoke($"{train.Length} training clips, {test.Length} test clips; log-mel in {featureSeconds:F1} s; model d {config.DModel}, "
                    + $"{config.EncoderLayers}+{config.DecoderLayers} layers, {model.ParameterCount:N0} parameters{(o.CtcWeight > 0 ? $", CTC weight {o.CtcWeight}" : "")}");
        var rng = new Rng((ulong)o.Seed);
        var opts = new SpeechTrainOptions
        {
            Steps = o.Steps > 0 ? o.Steps : o.Quick ? 20 : 3000, BatchSize = o.Quick ? 8 : o.BatchSize, Lr = o.Lr, Warmup = o.Quick ? 5 : o.Warmup,
            MaxMinutes = o.MaxMinutes, CtcWeight = o.CtcWeight,
        };
        var sampler = new SpeechDigitsSampler(train, o, rng);
        var report = SpeechTrainer.Train(model, tok, sampler.Next, opts, progress, cancel);
        var hyps = new Dictionary<SpeechDecoding, string[]>();
        if (o.CtcWeight < 1) hyps[SpeechDecoding.Attention] = SpeechTrainer.Decode(model, tok, test);
        if (o.CtcWeight > 0) hyps[SpeechDecoding.Ctc] = SpeechTrainer.DecodeCtc(model, tok, test);
        if (o.CtcWeight is > 0 and < 1 && o.Beam > 0) hyps[SpeechDecoding.Joint] = JointCtcRescorer.Decode(model, tok, test, o.Beam, o.DecodeCtcWeight);
        return new SpeechDigitsResult(model, config, tok, report, testClips, test.Select(e => e.Text).ToArray(), hyps, featureSeconds);
    }

    /// <summary>
    /// Each clip once per speed factor f (Kaldi-style speed perturbation): its samples read as if recorded at f × its
    /// rate, so once resampled it is 1/f as long and f × as high; the names get a <c>@f</c> suffix when f ≠ 1.
    /// </summary>
    public static IReadOnlyList<SpeechDigitClip> SpeedPerturbed(IReadOnlyList<SpeechDigitClip> clips, IReadOnlyList<double> factors)
        => factors.SelectMany(f => clips.Select(c => f == 1 ? c : c with
        {
            Name = $"{c.Name}@{f.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            Audio = c.Audio with { SampleRate = (int)Math.Round(c.Audio.SampleRate * f / 100) * 100 },
        })).ToArray();

    /// <summary>
    /// n training utterances (plain random batches; the recipe itself uses <see cref="SpeechDigitsSampler"/>): a random clip, with <see cref="SpeechDigitsOptions.ConcatChance"/> joined with a second
    /// one when the two hold at most four digits together, then SpecAugment.
    /// </summary>
    public static IReadOnlyList<SpeechExample> Sample(IReadOnlyList<SpeechExample> train, int n, SpeechDigitsOptions o, Rng rng)
    {
        var batch = new SpeechExample[n];
        for (int i = 0; i < n; i++)
        {
            var e = train[rng.NextInt(train.Count)];
            if (rng.NextDouble() < o.ConcatChance)
            {
                var f = train[rng.NextInt(train.Count)];
                if (e.Text.Split(' ').Length + f.Text.Split(' ').Length <= 4) e = SpeechFeatures.Concat(e, f, LogMelSpectrogram.DefaultMels);
            }
            batch[i] = e with { Mel = o.Augment.Apply(e.Mel, LogMelSpectrogram.DefaultMels, rng) };
        }
        return batch;
    }
}
