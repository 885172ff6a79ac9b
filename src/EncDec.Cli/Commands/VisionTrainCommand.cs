using System.Globalization;
using EncDec.Autograd;
using EncDec.IO;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Text;
using EncDec.Training;
using EncDec.Vision;
using EncDec.Vision.Training;

namespace EncDec.Cli.Commands;

/// <summary>
/// <c>encdec train --task image2seq|segment|dual --images DIR --labels FILE --out RUN</c>: an image-to-sequence model,
/// a U-Net or a dual encoder trained on an image folder with the run-folder conventions of the text <c>train</c>:
/// rotating <c>checkpoints/step_*.safetensors</c> (model, optimizer, step), <c>metrics.jsonl</c> (step and valid lines),
/// <c>model.safetensors</c> at the end, an existing run resumed from its newest checkpoint (a checkpoint of another
/// model or task refused), <c>--fresh</c> moving the old run aside. One step loop (<see cref="SupervisedLoop"/>, Adam,
/// warm-up + cosine); batch t is rows [t·B, (t+1)·B) of per-epoch seeded permutations, so a resumed run draws the same batches.
/// </summary>
internal static class VisionTrainCommand
{
    /// <summary>The training settings of an image run when neither the config file nor a flag gives them (the text defaults suit a 256-wide translation model).</summary>
    public static TrainSpec DefaultSpec() => new()
    {
        DModel = 64, Layers = 2, Heads = 4, FeedForward = 128, Dropout = 0f, Lr = 3e-3, Warmup = 60, MaxSteps = 1000, BatchSize = 32,
        Tokenizer = "word", VocabSize = 2000, CheckpointEvery = 200, ValidEvery = 200, LogEvery = 20, KeepCheckpoints = 3, LabelSmoothing = 0f,
        Out = Path.Combine("runs", "vision"),
    };

    /// <summary>Trains the image task of the merged settings (config file and flags over <see cref="DefaultSpec"/>).</summary>
    public static int Run(TrainSpec spec, VisionTrainTask task, TextWriter stdout, CancellationToken cancel)
    {
        SpeechTrainCommand.RefuseSpeechFlags(spec);
        return Run(VisionTrainFlags.Read(spec, task), spec, stdout, cancel);
    }

    /// <summary>The checks of an image run's settings that need no files (as <c>--print-config</c> makes them).</summary>
    public static void Check(TrainSpec s)
    {
        VisionTrainFlags.Shape(s);
        if (s.MaxSteps < 1 || s.MaxSteps > int.MaxValue) throw new UserInputException($"--max-steps must be in [1, {int.MaxValue}], got {s.MaxSteps}");
        if (s.BatchSize < 1) throw new UserInputException($"--batch-size must be at least 1 for an image task, got {s.BatchSize}");
        if (!(s.Lr > 0)) throw new UserInputException($"--lr must be positive, got {s.Lr.ToString(CultureInfo.InvariantCulture)}");
        if (s.CheckpointEvery < 1 || s.ValidEvery < 1 || s.LogEvery < 1) throw new UserInputException("--checkpoint-every, --valid-every and --log-every must be at least 1");
    }

    public static int Run(VisionTrainArgs a, TrainSpec s, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        Check(s);
        if (File.Exists(s.Out)) throw new UserInputException(s.Out, null, "--out: is a file, not a run folder");
        var kind = a.Task == VisionTrainTask.Segment ? ImageLabelKind.Mask : ImageLabelKind.Text;
        var train = ImageFolderDataset.Load(a.Labels, a.Images, kind, a.Channels);
        var valid = a.ValidLabels is null ? null : ImageFolderDataset.Load(a.ValidLabels, a.Images, kind, a.Channels, (train.Height, train.Width));
        if (valid is not null && kind == ImageLabelKind.Mask && valid.Classes > train.Classes)
            throw new UserInputException(a.ValidLabels!, null, $"a validation mask has class {valid.Classes - 1}, but the training masks only go up to {train.Classes - 1}");
        ui.Line($"data: {train.Count} training images{(valid is null ? "" : $", {valid.Count} validation")}, {train.Width}×{train.Height}, {train.Channels} channel{(train.Channels == 1 ? "" : "s")}"
                + (kind == ImageLabelKind.Mask ? $", {train.Classes} classes" : ""));

        using var stop = new StopSignals(cancel, stdout);
        CliPaths.CreateRunFolder(s.Out, "--out");
        using var runLock = RunLock.Acquire(s.Out, ui.Line);
        stop.BeforeImmediateExit = runLock.Release;
        if (s.Fresh && RunFolder.MoveAside(s.Out) is { } aside) ui.Line($"--fresh: moved the previous run's checkpoints, model and metrics to {aside}");
        var resume = s.Fresh ? null : RunFolder.FindResumable(s.Out, w => ui.Line("warning: " + w));

        string vocabKey = a.Task == VisionTrainTask.Dual ? ModelStore.SourceVocab : ModelStore.TargetVocab;
        ITokenizer? tok = null;
        if (kind == ImageLabelKind.Text)
        {
            if (resume is not null && resume.Snapshot.Vocabularies.TryGetValue(vocabKey, out var json)) tok = Tokenizer.FromJson(json, $"{resume.Path} ({vocabKey} tokenizer)");
            else tok = Tokenizer.Train(CliParsers.ParseKind(s.Tokenizer, "--tokenizer"), train.Texts, s.VocabSize);
        }
        var config = Config(a, s, train, tok);
        var settings = new Dictionary<string, string> { ["task"] = a.Task.ToString().ToLowerInvariant() };
        if (resume is not null) RunFolder.CheckCompatible(resume, config.ToJson(), settings);
        var model = ModelFactory.Build(config);
        var opt = new Adam(model.NamedParameters(), new OptimizerOptions(OptimizerKind.Adam, s.Lr, Beta1: s.Beta1, Beta2: s.Beta2));
        int start = 0;
        if (resume is not null)
        {
            try { model.LoadStateDict(resume.Snapshot.Model); }
            catch (Exception e) when (e is UserInputException or ArgumentException) { throw new UserInputException(resume.Path, null, $"the checkpoint does not fit this model: {Program.OneLine(e.Message)}"); }
            if (resume.Snapshot.Optimizer is { } os) ResumeState.LoadOptimizer(opt, os, resume.Path);
            start = (int)resume.Step;
            ui.Line(start >= s.MaxSteps ? $"resumed {resume.Path}: already trained {start} of {s.MaxSteps} steps" : $"resuming from {resume.Path} (step {start})");
        }
        ui.Line($"model {Describe(config)}, {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters; {s.MaxSteps} steps of batch {s.BatchSize}, lr {s.Lr.ToString(CultureInfo.InvariantCulture)}");

        using var log = new MetricsLog(Path.Combine(s.Out, RunFolder.MetricsFile));
        var batches = new EpochBatches(train.Count, s.BatchSize, (ulong)s.Seed);
        int step = start;
        var vocabs = tok is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [vocabKey] = tok.ToJson() };
        void Checkpoint(int at)
        {
            var extra = new Dictionary<string, string> { [Trainer.ExtraMetadataPrefix + "task"] = settings["task"] };
            var snap = new TrainingSnapshot(model.StateDict(), opt.StateDict(), at, new Dictionary<string, RngState>(), extra, config.ToJson(), vocabs);
            SafeTensorsCheckpointStore.Instance.Save(RunCheckpoints.PathOf(s.Out, at), snap);
            RunCheckpoints.KeepNewest(s.Out, s.KeepCheckpoints);
        }
        string Validate(int at)
        {
            if (valid is null) return "";
            var (record, line) = Score(a.Task, model, config, tok, valid, at);
            log.Append(record);
            model.Train();
            return line;
        }
        var schedule = new LoopSchedule((int)s.MaxSteps, s.Lr, s.Warmup, s.ClipNorm, s.MaxMinutes ?? 0);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (steps, loss, seconds) = SupervisedLoop.Run(model, opt, schedule, () =>
        {
            var rows = batches.At(step++);
            return Loss(a.Task, model, tok, train, rows, s.LabelSmoothing);
        }, (at, smooth) =>
        {
            if (at % s.LogEvery == 0 || at == s.MaxSteps)
            {
                log.Append(new { type = "step", step = at, loss = Finite(smooth), lr = opt.Lr, elapsed_s = Math.Round(sw.Elapsed.TotalSeconds, 2) });
                ui.Line($"  step {at,6}  loss {smooth:F4}  lr {opt.Lr:E2}");
            }
            if (at % s.CheckpointEvery == 0) Checkpoint(at);
            if (at % s.ValidEvery == 0 && at < s.MaxSteps && Validate(at) is { Length: > 0 } v) ui.Line("  valid " + v);
        }, stop.Token, start);
        if (steps > start && steps % s.CheckpointEvery != 0) Checkpoint(steps);
        if (stop.Token.IsCancellationRequested)
        {
            ui.Line($"stopped by {stop.SignalName ?? "SIGINT"} at step {steps}; the checkpoint is in {Path.Combine(s.Out, RunCheckpoints.Folder)} (run the same command to resume)");
            return stop.ExitCode;
        }
        var final = Validate(steps);
        ModelStore.Save(Path.Combine(s.Out, RunFolder.ModelFile), model, config, a.Task == VisionTrainTask.Dual ? tok : null, a.Task == VisionTrainTask.Image2Seq ? tok : null, steps);
        ui.Line($"trained {steps - start} steps in {seconds:F1} s (step {steps}){(float.IsNaN(loss) ? "" : $", loss {loss:F4}")}");
        if (final.Length > 0) ui.Line("validation: " + final);
        ui.Line($"run folder: {s.Out} (model.safetensors, checkpoints/, metrics.jsonl)");
        return 0;
    }

    private static ModelConfig Config(VisionTrainArgs a, TrainSpec s, ImageFolderDataset d, ITokenizer? tok)
    {
        var vision = new VisionConfig { Encoder = a.Encoder, Channels = d.Channels, Height = d.Height, Width = d.Width, PatchSize = 4, CnnWidth = 16, CnnStages = [2, 4] };
        int longest = tok is null ? 0 : d.Texts.Max(t => tok.Encode(t).Length);
        var c = new ModelConfig
        {
            Family = a.Task switch { VisionTrainTask.Segment => ModelFamily.UNet, VisionTrainTask.Dual => ModelFamily.DualEncoder, _ => ModelFamily.ImageToSequence },
            SrcVocabSize = a.Task == VisionTrainTask.Dual ? tok!.Vocab.Count : 0,
            TgtVocabSize = a.Task == VisionTrainTask.Image2Seq ? tok!.Vocab.Count : 0,
            NumClasses = a.Task == VisionTrainTask.Segment ? d.Classes : 0,
            DModel = s.DModel, Heads = s.Heads, FeedForward = s.FeedForward, Dropout = s.Dropout,
            EncoderLayers = s.EncoderLayers ?? s.Layers, DecoderLayers = s.DecoderLayers ?? s.Layers,
            Norm = NormPosition.Pre, Positional = PositionalKind.Learned, MaxPositions = Math.Max(16, 2 * longest + 2),
            ProjectionDim = a.Task == VisionTrainTask.Dual ? s.DModel : 0, Seed = (ulong)s.Seed, Vision = vision,
        };
        c.Validate("--task " + a.Task.ToString().ToLowerInvariant());
        return c;
    }

    private static string Describe(ModelConfig c) => c.Family switch
    {
        ModelFamily.UNet => $"U-Net ({c.NumClasses} classes)",
        ModelFamily.DualEncoder => $"dual encoder ({c.Vision!.Encoder.ToString().ToLowerInvariant()} image encoder, d {c.DModel})",
        _ => $"image-to-sequence ({c.Vision!.Encoder.ToString().ToLowerInvariant()} encoder + {c.DecoderLayers}-layer Transformer decoder, d {c.DModel})",
    };

    private static Tensor Loss(VisionTrainTask task, Module model, ITokenizer? tok, ImageFolderDataset d, int[] rows, float smoothing)
    {
        var images = d.ImagesAt(rows);                                        // (B, C, H, W)
        switch (task)
        {
            case VisionTrainTask.Segment:
                return SegmentationLoss.DiceCrossEntropy(((UNet)model).Forward(images), d.MasksAt(rows));
            case VisionTrainTask.Dual:
            {
                var texts = rows.Select(r => d.Texts[r]).ToArray();
                var (ids, lengths) = DualEncoderTrainer.Tokens(tok!, texts);
                return ((DualEncoder)model).Loss(images, ids, lengths, DualEncoderTrainer.Groups(texts));
            }
            default:
            {
                var (input, target) = ImageSequenceTrainer.Targets(tok!, rows.Select(r => d.Texts[r]).ToArray());
                var logits = ((ImageToSequenceModel)model).Forward(images, input);   // (B, T, V)
                return F.CrossEntropy(logits.Reshape(-1, logits.Shape[^1]), target, ignoreIndex: Vocabulary.PadId, labelSmoothing: smoothing);   // (B·T, V)
            }
        }
    }

    /// <summary>The validation figures of the task: a metrics.jsonl record and a one-line summary.</summary>
    private static (object Record, string Line) Score(VisionTrainTask task, Module model, ModelConfig config, ITokenizer? tok, ImageFolderDataset v, int step)
    {
        switch (task)
        {
            case VisionTrainTask.Segment:
            {
                var pred = SegmentationTrainer.Predict((UNet)model, v.Images);
                double iou = SegmentationLoss.MeanIoU(pred, v.Masks, Math.Max(2, ((UNet)model).NumClasses));
                double pixel = pred.Zip(v.Masks).Count(p => p.First == p.Second) / (double)pred.Length;
                return (new { type = "valid", step, mean_iou = iou, pixel_accuracy = pixel }, $"mean IoU {iou:F4}, pixel accuracy {pixel * 100:F2}%");
            }
            case VisionTrainTask.Dual:
            {
                var r = DualEncoderTrainer.Evaluate((DualEncoder)model, tok!, v.Images, v.Texts);
                return (new { type = "valid", step, i2t_r1 = r.ImageToTextAt1, t2i_r1 = r.TextToImageAt1, i2t_r5 = r.ImageToTextAt5, t2i_r5 = r.TextToImageAt5 },
                        $"recall@1 image→text {r.ImageToTextAt1:F3}, text→image {r.TextToImageAt1:F3}");
            }
            default:
            {
                var hyps = ImageSequenceTrainer.Decode((ImageToSequenceModel)model, tok!, v.Images, maxLength: config.MaxPositions - 1);
                double exact = ImageSequenceTrainer.ExactMatch(hyps, v.Texts);
                double bleu = Bleu.Corpus(hyps, new[] { v.Texts }).Score;
                return (new { type = "valid", step, exact_match = exact, bleu }, $"exact match {exact * 100:F2}%, BLEU {bleu:F2}");
            }
        }
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    /// <summary>Batch t: rows [t·B, (t+1)·B) of the concatenated per-epoch permutations (epoch e shuffled by seed + e).</summary>
    private sealed class EpochBatches(int count, int batch, ulong seed)
    {
        private readonly Dictionary<long, int[]> _perms = new();

        public int[] At(int step)
        {
            var rows = new int[batch];
            for (int k = 0; k < batch; k++)
            {
                long p = (long)step * batch + k;
                rows[k] = Perm(p / count)[p % count];
            }
            return rows;
        }

        private int[] Perm(long epoch)
        {
            if (_perms.TryGetValue(epoch, out var perm)) return perm;
            if (_perms.Count > 4) _perms.Clear();
            var rng = new Rng(seed * 1_000_003UL + (ulong)epoch);
            perm = Enumerable.Range(0, count).ToArray();
            for (int i = count - 1; i > 0; i--) { int j = rng.NextInt(i + 1); (perm[i], perm[j]) = (perm[j], perm[i]); }
            return _perms[epoch] = perm;
        }
    }
}
