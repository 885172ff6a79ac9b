using System.Globalization;
using EncDec.IO;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Optim;
using EncDec.Speech;
using EncDec.Speech.Audio;
using EncDec.Speech.Training;
using EncDec.Tensors;
using EncDec.Text;
using EncDec.Training;

namespace EncDec.Cli.Commands;

/// <summary>
/// <c>encdec train --task speech --audio DIR --transcripts FILE</c>: a Whisper-style speech model (pre-norm, the
/// settings' d_model, layers, heads, feed-forward, dropout) trained with <see cref="SpeechTrainer"/> (Adam, warm-up +
/// cosine, SpecAugment, optional CTC with <c>--ctc-weight</c>) into a run folder as text <c>train</c> does:
/// rotating checkpoints under <c>checkpoints/</c> every <c>--checkpoint-every</c> steps (model, optimizer, step,
/// generators; a rerun resumes from the newest, <c>--fresh</c> starts over), <c>metrics.jsonl</c> (step lines every
/// <c>--log-every</c>, a final valid line with WER/CER), <c>model.safetensors</c> (loadable by <c>encdec transcribe</c>).
/// Every audio file is read before training, so a bad file or line fails at once with one line naming it.
/// </summary>
internal static class SpeechTrainCommand
{
    private const string DataRng = "data";

    /// <summary>Refuses the speech flags on a run of another task.</summary>
    public static void RefuseSpeechFlags(TrainSpec s)
    {
        var stray = new (string Flag, bool Given)[]
        {
            ("--audio", s.Audio is not null), ("--transcripts", s.Transcripts is not null), ("--valid-audio", s.ValidAudio is not null),
            ("--valid-transcripts", s.ValidTranscripts is not null), ("--ctc-weight", s.CtcWeight != 0),
        }.FirstOrDefault(f => f.Given);
        if (stray.Flag is not null) throw new UserInputException($"{stray.Flag} needs --task speech");
    }

    public static int Run(TrainSpec s, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        s.Validate();
        if (s.Audio is null || s.Transcripts is null) throw new UserInputException("--task speech needs --audio (a folder of WAV files) and --transcripts (FILE<TAB>TRANSCRIPT lines)");
        if (!Directory.Exists(s.Audio)) throw new UserInputException(s.Audio, null, "--audio: no such folder");
        if (s.CtcWeight is < 0 or > 1 || double.IsNaN(s.CtcWeight)) throw new UserInputException($"ctc_weight (--ctc-weight) must be in [0, 1], got {s.CtcWeight}");
        if (s.ValidAudio is not null && s.ValidTranscripts is null) throw new UserInputException("--valid-audio needs --valid-transcripts");
        if (s.Data is not null || s.TrainSrc is not null || s.TrainTgt is not null || s.TrainText is not null)
            throw new UserInputException("--task speech reads --audio and --transcripts, not a text corpus");
        if (File.Exists(s.Out)) throw new UserInputException(s.Out, null, "--out: is a file, not a run folder");
        var kind = CliParsers.ParseKind(s.Tokenizer, "--tokenizer");

        var front = new LogMelSpectrogram();
        var train = ReadSet(s.Audio, s.Transcripts, "--transcripts", front);
        var valid = s.ValidTranscripts is null ? [] : ReadSet(s.ValidAudio ?? s.Audio, s.ValidTranscripts, "--valid-transcripts", front);
        ui.Line($"speech corpus: {train.Length} training clips ({train.Sum(e => e.Frames) / 100.0:F1} s), {valid.Length} validation clips");

        if (s.Fresh && Directory.Exists(s.Out) && RunFolder.MoveAside(s.Out) is { } aside) ui.Line($"--fresh: moved the previous run's checkpoints, model and metrics to {aside}");
        var resume = s.Fresh || !Directory.Exists(s.Out) ? null : RunFolder.FindResumable(s.Out, w => ui.Line("warning: " + w));
        ITokenizer tok = resume is not null && resume.Snapshot.Vocabularies.TryGetValue(ModelStore.TargetVocab, out var json)
            ? Tokenizer.FromJson(json, $"{resume.Path} (target tokenizer)")
            : Tokenizer.Train(kind, train.Select(e => e.Text), s.VocabSize);
        int longest = train.Concat(valid).Max(e => tok.Encode(e.Text).Length);
        int maxFrames = Math.Max(3000, train.Concat(valid).Max(e => e.Frames));
        var config = new ModelConfig
        {
            Family = ModelFamily.SpeechToSequence, TgtVocabSize = tok.Vocab.Count, DModel = s.DModel, Heads = s.Heads, FeedForward = s.FeedForward,
            EncoderLayers = s.EncoderLayers ?? s.Layers, DecoderLayers = s.DecoderLayers ?? s.Layers, Dropout = s.Dropout, Norm = NormPosition.Pre,
            MaxPositions = Math.Max(s.MaxLength, longest + 2), Seed = (ulong)s.Seed,
            Speech = new SpeechConfig { MelBins = front.Mels, MaxFrames = maxFrames, Ctc = s.CtcWeight > 0 },
        };
        config.Validate("--task speech");
        var settings = new Dictionary<string, string> { ["task"] = "speech", ["ctc_weight"] = s.CtcWeight.ToString("R", CultureInfo.InvariantCulture) };
        if (resume is not null)
        {
            RunFolder.CheckCompatible(resume, config.ToJson(), settings);
            if (resume.Step >= s.MaxSteps && File.Exists(Path.Combine(s.Out, RunFolder.ModelFile)))
            {
                ui.Line($"nothing to do: {s.Out} is already trained (step {resume.Step}, max_steps {s.MaxSteps}); raise --max-steps to train on, or use --fresh to start over");
                return 0;
            }
        }

        var model = ModelFactory.BuildSpeechToSequence(config, new Rng(config.Seed));
        var o = new SpeechTrainOptions
        {
            Steps = checked((int)Math.Min(s.MaxSteps, int.MaxValue)), BatchSize = s.BatchSize > 0 ? s.BatchSize : 32, Lr = s.Lr, Warmup = s.Warmup,
            ClipNorm = s.ClipNorm, LabelSmoothing = s.LabelSmoothing, MaxMinutes = s.MaxMinutes ?? 0, CtcWeight = s.CtcWeight,
        };
        var opt = SpeechTrainer.CreateOptimizer(model, o);
        var rng = new Rng((ulong)s.Seed);
        int start = 0;
        if (resume is not null)
        {
            model.LoadStateDict(resume.Snapshot.Model);
            if (resume.Snapshot.Optimizer is { } os) ResumeState.LoadOptimizer(opt, os, resume.Path);
            if (resume.Snapshot.RngStates.TryGetValue(DataRng, out var st)) rng.SetState(st);
            var gens = model.Generators();
            for (int i = 0; i < gens.Count; i++)
                if (resume.Snapshot.RngStates.TryGetValue($"module.{i}", out var g)) gens[i].SetState(g);
            start = checked((int)resume.Step);
            ui.Line($"resuming from {resume.Path} (step {start})");
        }
        CliPaths.CreateRunFolder(s.Out, "--out");
        Directory.CreateDirectory(Path.Combine(s.Out, RunCheckpoints.Folder));
        tok.Save(Path.Combine(s.Out, "target.tokenizer.json"));
        ui.Line($"model speech-to-sequence: d {config.DModel}, {config.EncoderLayers}+{config.DecoderLayers} layers, "
                + $"{model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters{(config.Speech.Ctc ? $", CTC weight {s.CtcWeight}" : "")}");

        var augment = new SpecAugment { FrequencyMasks = 2, MaxFrequencyWidth = 8, TimeMasks = 2, MaxTimeWidth = 8, MaxTimeFraction = 0.1 };
        using var stop = new StopSignals(cancel, stdout);
        using var log = new MetricsLog(Path.Combine(s.Out, RunFolder.MetricsFile));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        void Save(int step) => SaveCheckpoint(s, model, opt, config, tok, rng, settings, step);
        var report = SpeechTrainer.Train(model, opt, tok, n => Sample(train, n, augment, rng), o, (step, loss) =>
        {
            if (s.LogEvery > 0 && step % s.LogEvery == 0)
            {
                log.Append(new { type = "step", step, loss = double.IsFinite(loss) ? loss : (double?)null, lr = opt.Lr, elapsed_s = Math.Round(sw.Elapsed.TotalSeconds, 2) });
                ui.Line($"  step {step,6}  loss {loss:F4}  lr {opt.Lr:G3}");
            }
            if (s.CheckpointEvery > 0 && step % s.CheckpointEvery == 0 && step < o.Steps) Save(step);
        }, stop.Token, start);
        Save(report.Steps);
        ModelStore.Save(Path.Combine(s.Out, RunFolder.ModelFile), model, config, null, tok, report.Steps);
        ui.Line($"trained to step {report.Steps} in {report.Seconds:F1} s (loss {report.Loss:F4}); model: {Path.Combine(s.Out, RunFolder.ModelFile)}");
        if (valid.Length > 0)
        {
            var hyps = SpeechTrainer.Decode(model, tok, valid, maxLength: config.MaxPositions - 1);
            var refs = valid.Select(e => e.Text).ToArray();
            var wer = ErrorRate.Wer(hyps, refs);
            var cer = ErrorRate.Cer(hyps, refs);
            log.Append(new { type = "valid", step = report.Steps, wer = Math.Round(wer.Rate, 4), cer = Math.Round(cer.Rate, 4) });
            ui.Line($"validation ({valid.Length} clips): WER {wer.Rate * 100:F2}%  CER {cer.Rate * 100:F2}%");
        }
        return stop.Token.IsCancellationRequested ? 130 : 0;
    }

    /// <summary>Reads FILE&lt;TAB&gt;TRANSCRIPT lines and every WAV file they name (relative to <paramref name="folder"/>) as log-mels.</summary>
    internal static SpeechExample[] ReadSet(string folder, string transcripts, string flag, LogMelSpectrogram front)
    {
        if (!File.Exists(transcripts)) throw new UserInputException(transcripts, null, $"{flag}: no such file");
        var items = new List<(string Path, string Text)>();
        int lineNo = 0;
        foreach (var raw in File.ReadLines(transcripts))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            int tab = line.IndexOf('\t');
            if (tab <= 0) throw new UserInputException(transcripts, lineNo, "expected FILE<TAB>TRANSCRIPT");
            var text = string.Join(' ', line[(tab + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            if (text.Length == 0) throw new UserInputException(transcripts, lineNo, "the transcript is empty");
            var path = Path.Combine(folder, line[..tab]);
            if (!File.Exists(path)) throw new UserInputException(transcripts, lineNo, $"audio file {path} does not exist");
            items.Add((path, text));
        }
        if (items.Count == 0) throw new UserInputException(transcripts, null, $"{flag}: no FILE<TAB>TRANSCRIPT line");
        var result = new SpeechExample[items.Count];
        for (int i = 0; i < items.Count; i++) result[i] = SpeechFeatures.FromFile(items[i].Path, items[i].Text, front);
        return result;
    }

    private static IReadOnlyList<SpeechExample> Sample(IReadOnlyList<SpeechExample> train, int n, SpecAugment augment, Rng rng)
    {
        var batch = new SpeechExample[n];
        for (int i = 0; i < n; i++)
        {
            var e = train[rng.NextInt(train.Count)];
            batch[i] = e with { Mel = augment.Apply(e.Mel, LogMelSpectrogram.DefaultMels, rng) };
        }
        return batch;
    }

    private static void SaveCheckpoint(TrainSpec s, SpeechToSequenceModel model, Optimizer opt, ModelConfig config, ITokenizer tok, Rng rng,
                                       IReadOnlyDictionary<string, string> settings, int step)
    {
        var rngs = new Dictionary<string, RngState> { [DataRng] = rng.GetState() };
        var gens = model.Generators();
        for (int i = 0; i < gens.Count; i++) rngs[$"module.{i}"] = gens[i].GetState();
        var extra = settings.ToDictionary(kv => Trainer.ExtraMetadataPrefix + kv.Key, kv => kv.Value);
        var snapshot = new TrainingSnapshot(model.StateDict(), opt.StateDict(), step, rngs, extra, config.ToJson(),
                                            new Dictionary<string, string> { [ModelStore.TargetVocab] = tok.ToJson() });
        SafeTensorsCheckpointStore.Instance.Save(RunCheckpoints.PathOf(s.Out, step), snapshot);
        RunCheckpoints.KeepNewest(s.Out, s.KeepCheckpoints);
    }
}
