using System.Text.Json;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Vision;
using EncDec.Vision.Training;

namespace EncDec.Bench;

/// <summary>
/// <c>bench accuracy --task digits-ocr|shapes-seg|shapes-caption|shapes-retrieval</c>: the demo's recipe
/// (<see cref="VisionPresets"/>) trained for <c>--steps N</c> (default the preset's) or <c>--minutes M</c> (default 5, the
/// issue's budget), then scored on 1,000 held-out rows/scenes: exact match (OCR, captions), mean IoU (segmentation),
/// recall@1 both ways (retrieval). Prints one JSON line. Options for experiments: <c>--model cnn|vit</c>, <c>--d D</c>,
/// <c>--ff F</c>, <c>--heads H</c>, <c>--enc-layers N</c>, <c>--dec-layers N</c>, <c>--context-layers N</c>,
/// <c>--cnn-width W</c>, <c>--pool-rows 0|1</c>, <c>--pos-scale S</c>, <c>--augment 0|1</c>, <c>--rotation DEG</c>, <c>--shear S</c>, <c>--stretch S</c>, <c>--gamma G</c>, <c>--elastic PX</c>, <c>--min-scale S</c>, <c>--max-scale S</c>, <c>--split val</c> (digits: train on the Fit images, score on the Validation images), <c>--dropout P</c>, <c>--wd W</c> (AdamW), <c>--ema DECAY</c>, <c>--hard-negatives 0|1</c>, <c>--image-pool default|mean|attention|flatten</c>, <c>--text-pool mean|attention</c>, <c>--caption-loss λ</c> (retrieval: CoCa captioning loss weight, decoder layers <c>--dec-layers</c>), <c>--proj P</c>, <c>--patch P</c> (ViT patch size), <c>--views V</c> (digits: shift-vote test-time augmentation, default the preset's), <c>--compare-decoding 1</c> (digits: also score 1/3/5/9 views and beam 4), <c>--split val</c> (retrieval: score on unseen training-split scenes instead of the held-out ones), <c>--label-smoothing E</c>, <c>--batch B</c>, <c>--lr LR</c>, <c>--warmup N</c>, <c>--test-size N</c>, <c>--seed S</c>.
/// </summary>
public static class VisionAccuracyBench
{
    public static readonly string[] Tasks = ["digits-ocr", "shapes-seg", "shapes-caption", "shapes-retrieval"];

    public static void Run(string[] args, string task)
    {
        double D(string name, double fallback) => BenchArgs.Double(args, name, fallback);
        int I(string name, int fallback) => BenchArgs.Int(args, name, fallback);
        int seed = I("--seed", 1), testSize = I("--test-size", 1000);
        var encoder = (BenchArgs.String(args, "--model") ?? "cnn") == "vit" ? ImageEncoderKind.Vit : ImageEncoderKind.Cnn;
        T E<T>(string name, T fallback) where T : struct, Enum
            => BenchArgs.String(args, name) is not { } v ? fallback
             : Enum.TryParse<T>(v, ignoreCase: true, out var r) && Enum.IsDefined(r) ? r
             : throw new UserInputException($"{name}: expected {string.Join("|", Enum.GetNames<T>().Select(x => x.ToLowerInvariant()))}, got '{v}'");
        ModelConfig Tune(ModelConfig c) => c with
        {
            ProjectionDim = I("--proj", c.ProjectionDim),
            Dropout = (float)D("--dropout", c.Dropout), DModel = I("--d", c.DModel), FeedForward = I("--ff", c.FeedForward), Heads = I("--heads", c.Heads),
            EncoderLayers = I("--enc-layers", c.EncoderLayers), DecoderLayers = I("--dec-layers", c.DecoderLayers),
            Vision = c.Vision! with { PatchSize = I("--patch", c.Vision.PatchSize), CnnWidth = I("--cnn-width", c.Vision.CnnWidth), CnnContextLayers = I("--context-layers", c.Vision.CnnContextLayers),
                                     CnnPoolRows = I("--pool-rows", c.Vision.CnnPoolRows ? 1 : 0) != 0,
                                     Pooling = E("--image-pool", c.Vision.Pooling), TextPooling = E("--text-pool", c.Vision.TextPooling),
                                     CaptionLossWeight = (float)D("--caption-loss", c.Vision.CaptionLossWeight) },
        };
        ImageTrainOptions Train(ImageTrainOptions o) => o with
        {
            Steps = I("--steps", o.Steps), MaxMinutes = D("--minutes", 5), BatchSize = I("--batch", o.BatchSize), Lr = D("--lr", o.Lr),
            Warmup = I("--warmup", o.Warmup), LabelSmoothing = (float)D("--label-smoothing", o.LabelSmoothing),
            WeightDecay = D("--wd", o.WeightDecay), EmaDecay = D("--ema", o.EmaDecay),
        };
        var line = new Dictionary<string, object> { ["bench"] = "accuracy", ["task"] = task, ["model"] = encoder.ToString().ToLowerInvariant() };
        void Progress(int step, float loss) { if (step % 50 == 0) Console.Error.WriteLine($"step {step} loss {loss:F4}"); }
        ImageTrainReport report;
        ModelConfig config;
        ImageTrainOptions opts;
        long parameters;
        var scenes = new ShapeSceneOptions();
        switch (task)
        {
            case "digits-ocr":
            {
                var tok = VisionPresets.DigitsTokenizer();
                config = Tune(VisionPresets.DigitsConfig(encoder, tok.Vocab.Count, seed, quick: false));
                opts = Train(VisionPresets.DigitsTraining(quick: false));
                var model = ModelFactory.BuildImageToSequence(config, new Rng(config.Seed));
                if (model.ImageEncoder is CnnImageEncoder cnn && D("--pos-scale", 1) != 1)
                    System.Numerics.Tensors.TensorPrimitives.Multiply(cnn.Positions.Weight.Span, (float)D("--pos-scale", 1), cnn.Positions.Weight.Span);
                var rng = new Rng((ulong)seed);
                var rows = VisionPresets.DigitsTrainingRows();
                if (I("--augment", 1) == 0) rows = rows with { Augment = null };
                else if (rows.Augment is { } a)
                    rows = rows with
                    {
                        Augment = a with
                        {
                            MaxRotationDegrees = (float)D("--rotation", a.MaxRotationDegrees), MaxShear = (float)D("--shear", a.MaxShear),
                            MaxStretch = (float)D("--stretch", a.MaxStretch), MaxGamma = (float)D("--gamma", a.MaxGamma),
                            ElasticPixels = (float)D("--elastic", a.ElasticPixels),
                        },
                        MinScale = (float)D("--min-scale", rows.MinScale), MaxScale = (float)D("--max-scale", rows.MaxScale),
                    };
                line["augment"] = rows.Augment is not null;
                // --split val: train on the Fit images and score on the Validation images (both training images), for choosing settings
                bool validation = BenchArgs.String(args, "--split") == "val";
                var (trainSplit, testSplit) = validation ? (DigitSplit.Fit, DigitSplit.Validation) : (DigitSplit.Train, DigitSplit.HeldOut);
                line["split"] = validation ? "fit/validation" : "train/held-out";
                report = ImageSequenceTrainer.Train(model, tok, n => { var b = DigitStrings.Generate(n, trainSplit, rng, rows); return (b.ToTensor(), b.Texts); }, opts, Progress);
                var test = DigitStrings.Generate(testSize, testSplit, new Rng((ulong)seed + 1000));
                var testImages = test.ToTensor();
                // --views V: shift-vote test-time augmentation (ImageSequenceTrainer.DecodeShiftVote; 1 = plain greedy);
                // --compare-decoding 1 also scores 1, 5 and 9 views and beam 4 on the same model
                int views = I("--views", VisionPresets.DigitsVoteViews);
                var hyps = ImageSequenceTrainer.DecodeShiftVote(model, tok, testImages, views);
                line["views"] = views;
                line["exact_match"] = Math.Round(ImageSequenceTrainer.ExactMatch(hyps, test.Texts), 4);
                if (I("--compare-decoding", 0) != 0)
                {
                    foreach (int v in new[] { 1, 3, 5, 9 })
                        line[$"exact_match_views{v}"] = Math.Round(ImageSequenceTrainer.ExactMatch(ImageSequenceTrainer.DecodeShiftVote(model, tok, testImages, v), test.Texts), 4);
                    var beam = new EncDec.Generation.GenerationOptions { Strategy = EncDec.Generation.DecodingStrategy.Beam, BeamSize = 4, MaxLength = 14 };
                    line["exact_match_beam4"] = Math.Round(ImageSequenceTrainer.ExactMatch(ImageSequenceTrainer.Decode(model, tok, testImages, beam), test.Texts), 4);
                }
                int chars = test.Texts.Sum(t => t.Length);
                int right = hyps.Zip(test.Texts).Sum(p => p.First.Length == p.Second.Length ? p.First.Zip(p.Second).Count(c => c.First == c.Second) : 0);
                line["digit_accuracy"] = Math.Round(right / (double)chars, 4);   // rows of the right length, digit by digit
                var train = DigitStrings.Generate(testSize, trainSplit, new Rng((ulong)seed + 2000));
                line["train_exact_match"] = Math.Round(ImageSequenceTrainer.ExactMatch(ImageSequenceTrainer.Decode(model, tok, train.ToTensor()), train.Texts), 4);
                line["samples"] = string.Join(" ", hyps.Take(6).Zip(test.Texts).Select(p => $"{p.First}/{p.Second}"));
                parameters = model.ParameterCount;
                break;
            }
            case "shapes-seg":
            {
                config = Tune(VisionPresets.SegConfig(seed, quick: false));
                opts = Train(VisionPresets.SegTraining(quick: false));
                var model = ModelFactory.Build(config) as UNet ?? throw new InvalidOperationException("U-Net expected");
                var sampler = new ShapeSceneSampler(scenes, new AugmentOptions(), ShapeLabel.Mask, (ulong)seed);
                report = SegmentationTrainer.Train(model, n => { var b = sampler.Next(n); return (b.ToTensor(), b.MaskTensor()); }, opts, Progress);
                var test = ShapeScenes.Generate(ShapeSplit.HeldOut, 0, testSize, scenes);
                var pred = SegmentationTrainer.Predict(model, test.ToTensor());
                line["mean_iou"] = Math.Round(SegmentationLoss.MeanIoU(pred, test.Masks, ShapeScenes.Classes), 4);
                line["pixel_accuracy"] = Math.Round(pred.Zip(test.Masks).Count(p => p.First == p.Second) / (double)pred.Length, 4);
                var probe = ShapeScenes.Generate(ShapeSplit.HeldOut, 0, Math.Min(64, testSize), scenes);
                model.Train();   // the same held-out scenes normalised with their own batch statistics (a BatchNorm running-statistics check)
                int[] batchStats;
                using (GradMode.NoGrad()) batchStats = SegmentationLoss.Predict(model.Forward(probe.ToTensor()));
                model.Eval();
                line["mean_iou_probe_eval"] = Math.Round(SegmentationLoss.MeanIoU(SegmentationTrainer.Predict(model, probe.ToTensor()), probe.Masks, ShapeScenes.Classes), 4);
                line["mean_iou_probe_batch_stats"] = Math.Round(SegmentationLoss.MeanIoU(batchStats, probe.Masks, ShapeScenes.Classes), 4);
                parameters = model.ParameterCount;
                break;
            }
            case "shapes-caption":
            {
                var tok = VisionPresets.CaptionTokenizer();
                config = Tune(VisionPresets.CaptionConfig(encoder, tok.Vocab.Count, seed, quick: false));
                opts = Train(VisionPresets.CaptionTraining(quick: false));
                var model = ModelFactory.BuildImageToSequence(config, new Rng(config.Seed));
                var sampler = new ShapeSceneSampler(scenes, new AugmentOptions(), ShapeLabel.Caption, (ulong)seed);
                report = ImageSequenceTrainer.Train(model, tok, n => { var b = sampler.Next(n); return (b.ToTensor(), b.Captions); }, opts, Progress);
                var test = ShapeScenes.Generate(ShapeSplit.HeldOut, 0, testSize, scenes);
                var hyps = ImageSequenceTrainer.Decode(model, tok, test.ToTensor(), maxLength: 24);
                line["exact_match"] = Math.Round(ImageSequenceTrainer.ExactMatch(hyps, test.Captions), 4);
                line["bleu"] = Math.Round(Bleu.Corpus(hyps, new[] { test.Captions }).Score, 2);
                line["samples"] = string.Join(" | ", hyps.Take(3).Zip(test.Captions).Select(p => $"{p.First} / {p.Second}"));
                parameters = model.ParameterCount;
                break;
            }
            case "shapes-retrieval":
            {
                var tok = VisionPresets.CaptionTokenizer();
                config = Tune(VisionPresets.RetrievalConfig(encoder, tok.Vocab.Count, seed, quick: false));
                opts = Train(VisionPresets.RetrievalTraining(quick: false));
                var model = ModelFactory.BuildDualEncoder(config);
                var sampler = new ShapeSceneSampler(scenes, new AugmentOptions(), ShapeLabel.Caption, (ulong)seed);
                bool hard = I("--hard-negatives", 0) != 0;
                line["hard_negatives"] = hard;
                var negRng = new Rng((ulong)seed + 77);
                report = hard
                    ? DualEncoderTrainer.Train(model, tok, n =>
                    {
                        var b = sampler.Next(n);
                        return (b.ToTensor(), b.Captions, b.Shapes.Select(s => ShapeScenes.HardNegative(s, negRng, scenes)).ToArray());
                    }, opts, Progress)
                    : DualEncoderTrainer.Train(model, tok, n => { var b = sampler.Next(n); return (b.ToTensor(), b.Captions); }, opts, Progress);
                // --split val: score on training-split scenes from index 2^39 on (seeds the sampler never reaches and
                // unlike the held-out scenes'), for choosing settings without the held-out test scenes
                bool validation = BenchArgs.String(args, "--split") == "val";
                line["split"] = validation ? "validation" : "held-out";
                line["image_pool"] = model.Pooling.ToString().ToLowerInvariant();
                line["text_pool"] = config.Vision!.TextPooling.ToString().ToLowerInvariant();
                line["caption_loss"] = config.Vision.CaptionLossWeight;
                line["logit_scale"] = Math.Round(model.Scale, 2);
                var test = validation ? ShapeScenes.Generate(ShapeSplit.Train, 1L << 39, testSize, scenes) : ShapeScenes.Generate(ShapeSplit.HeldOut, 0, testSize, scenes);
                var r = DualEncoderTrainer.Evaluate(model, tok, test.ToTensor(), test.Captions);
                line["i2t_r1"] = Math.Round(r.ImageToTextAt1, 4); line["t2i_r1"] = Math.Round(r.TextToImageAt1, 4);
                line["i2t_r5"] = Math.Round(r.ImageToTextAt5, 4); line["t2i_r5"] = Math.Round(r.TextToImageAt5, 4);
                parameters = model.ParameterCount;
                break;
            }
            default: throw new UserInputException($"--task: expected {string.Join(", ", Tasks)}, got '{task}'");
        }
        line["steps"] = report.Steps; line["seconds"] = Math.Round(report.Seconds, 1);
        line["steps_per_s"] = Math.Round(report.Steps / Math.Max(1e-9, report.Seconds), 2);
        line["loss"] = float.IsFinite(report.Loss) ? Math.Round(report.Loss, 4) : null!;
        line["params"] = parameters; line["batch"] = opts.BatchSize; line["lr"] = opts.Lr; line["d_model"] = config.DModel;
        line["test_size"] = testSize;
        Console.WriteLine(JsonSerializer.Serialize(line));
    }
}
