using System.Diagnostics;
using System.Globalization;
using System.Text;
using EncDec.IO;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Speech;
using EncDec.Speech.Audio;
using EncDec.Speech.Training;
using EncDec.Tensors;
using EncDec.Text;

namespace EncDec.Cli.Commands;

/// <summary>The speech tasks of <c>encdec demo --task …</c>.</summary>
internal enum SpeechTask { SpeechDigits }

/// <summary>
/// <c>encdec demo --task speech-digits</c>: the shipped espeak-ng digit strings → their words. A Whisper-style
/// encoder (two Conv1d + GELU over log-mels, Transformer encoder) with the Transformer decoder, trained on the
/// training voices (SpecAugment, and pairs of clips joined into longer strings), scored by WER/CER on the clips of the
/// held-out voices; writes the model (config + tokenizer, loadable by <c>encdec transcribe</c>) and the transcripts.
/// </summary>
internal static class SpeechDemo
{
    public static bool TryParse(string task, out SpeechTask t)
    {
        switch (task.ToLowerInvariant())
        {
            case "speech-digits": t = SpeechTask.SpeechDigits; return true;
            default: t = default; return false;
        }
    }

    public sealed record Options(SpeechTask Task, string Out, int TestSize, int Steps, double MaxMinutes, int Seed, bool Quick);

    /// <summary>The spoken-digits model: d 96 (quick: 32), 3 encoder and 2 decoder layers (quick: 1 and 1), pre-norm, word targets.</summary>
    public static ModelConfig DigitsConfig(int vocab, int seed, bool quick) => new()
    {
        Family = ModelFamily.SpeechToSequence, TgtVocabSize = vocab, DModel = quick ? 32 : 96, Heads = 4, FeedForward = quick ? 64 : 256,
        EncoderLayers = quick ? 1 : 3, DecoderLayers = quick ? 1 : 2, Dropout = 0.1f, Norm = NormPosition.Pre, MaxPositions = 32, Seed = (ulong)seed,
        Speech = new SpeechConfig { MelBins = LogMelSpectrogram.DefaultMels, MaxFrames = 3000 },
    };

    public static int Run(Options o, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        CliPaths.CreateRunFolder(o.Out, "--out");
        var sw = Stopwatch.StartNew();
        var front = new LogMelSpectrogram();
        var trainClips = SpeechDigits.Load(SpeechDigitSplit.Train);
        var testClips = SpeechDigits.Load(SpeechDigitSplit.Test);
        int testSize = Math.Min(testClips.Count, o.Quick ? Math.Min(o.TestSize, 8) : o.TestSize);
        var train = trainClips.Select(c => SpeechFeatures.FromClip(c.Audio, c.Text, front)).ToArray();
        var test = testClips.Take(testSize).Select(c => SpeechFeatures.FromClip(c.Audio, c.Text, front)).ToArray();
        ui.Line($"task speech-digits: spoken digit strings made by espeak-ng + sox noise (data/speech-digits); {train.Length} training clips "
                + $"(1-3 digits, training voices), {testSize} test clips (1-4 digits, held-out voices); log-mel in {sw.Elapsed.TotalSeconds:F1} s");
        var tok = SpeechDigits.WordTokenizerFor(SpeechDigits.Words);
        var config = DigitsConfig(tok.Vocab.Count, o.Seed, o.Quick);
        var model = ModelFactory.BuildSpeechToSequence(config, new Rng(config.Seed));
        ui.Line($"model speech-to-sequence (Whisper-style: 2 × Conv1d + GELU, Transformer encoder + decoder): d {config.DModel}, "
                + $"{config.EncoderLayers}+{config.DecoderLayers} layers, {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters");
        var rng = new Rng((ulong)o.Seed);
        var augment = new SpecAugment { FrequencyMasks = 2, MaxFrequencyWidth = 8, TimeMasks = 2, MaxTimeWidth = 8, MaxTimeFraction = 0.1 };
        var opts = new SpeechTrainOptions
        {
            Steps = o.Steps > 0 ? o.Steps : o.Quick ? 20 : 3000, BatchSize = o.Quick ? 8 : 32, Lr = 2e-3, Warmup = o.Quick ? 5 : 100, MaxMinutes = o.MaxMinutes,
        };
        int lastShown = 0;
        var report = SpeechTrainer.Train(model, tok, n => Sample(train, n, augment, rng), opts, (step, loss) =>
        {
            if (step - lastShown >= Math.Max(1, opts.Steps / 10) || step == opts.Steps) { ui.Line($"  step {step,5}  loss {loss:F4}"); lastShown = step; }
        }, cancel);
        ui.Line($"trained {report.Steps} steps in {report.Seconds:F1} s");

        var hyps = SpeechTrainer.Decode(model, tok, test);
        var refs = test.Select(e => e.Text).ToArray();
        var wer = ErrorRate.Wer(hyps, refs);
        var cer = ErrorRate.Cer(hyps, refs);
        ui.Table("results on held-out voices", new (string, string)[]
        {
            ("WER", $"{wer.Rate * 100:F2}% (S {wer.Substitutions}, D {wer.Deletions}, I {wer.Insertions}; {wer.ReferenceLength} words)"),
            ("CER", $"{cer.Rate * 100:F2}%"),
            ("exact match", $"{hyps.Zip(refs).Count(p => p.First == p.Second)}/{testSize}"),
            ("training time", $"{report.Seconds:F1} s"),
            ("steps", report.Steps.ToString(CultureInfo.InvariantCulture)),
        });
        ModelStore.Save(Path.Combine(o.Out, "model.safetensors"), model, config, null, tok, report.Steps);
        var lines = new StringBuilder();
        for (int i = 0; i < testSize; i++) lines.AppendLine($"{testClips[i].Name}\t{hyps[i]}\t{refs[i]}");
        AtomicFile.WriteAllText(Path.Combine(o.Out, "test.tsv"), lines.ToString());
        for (int i = 0; i < Math.Min(6, testSize); i++)
            ui.Line($"{testClips[i].Name}: output \"{hyps[i]}\"  reference \"{refs[i]}\"  {(hyps[i] == refs[i] ? "(correct)" : "(wrong)")}");
        ui.Line($"run folder: {o.Out} (model.safetensors, test.tsv: file, output, reference)");
        ui.Line($"WER: {wer.Rate * 100:F2}%  CER: {cer.Rate * 100:F2}%");
        return 0;
    }

    /// <summary>
    /// n training utterances: a random clip, half of the time joined with a second one when the two hold at most four
    /// digits together, then SpecAugment.
    /// </summary>
    internal static IReadOnlyList<SpeechExample> Sample(IReadOnlyList<SpeechExample> train, int n, SpecAugment augment, Rng rng)
    {
        var batch = new SpeechExample[n];
        for (int i = 0; i < n; i++)
        {
            var e = train[rng.NextInt(train.Count)];
            if (rng.NextDouble() < 0.5)
            {
                var f = train[rng.NextInt(train.Count)];
                if (e.Text.Split(' ').Length + f.Text.Split(' ').Length <= 4) e = SpeechFeatures.Concat(e, f, LogMelSpectrogram.DefaultMels);
            }
            batch[i] = e with { Mel = augment.Apply(e.Mel, LogMelSpectrogram.DefaultMels, rng) };
        }
        return batch;
    }
}
