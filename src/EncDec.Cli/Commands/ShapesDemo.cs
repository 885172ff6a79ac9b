using System.Globalization;
using System.Text;
using EncDec.IO;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Vision;
using EncDec.Vision.Training;

namespace EncDec.Cli.Commands;

/// <summary>
/// <c>encdec demo --task shapes-seg|shapes-caption|shapes-retrieval</c>: generated scenes of 1–3 coloured shapes (32×32
/// RGB), trained on fresh augmented training scenes and scored on held-out seeds (and, for captions and retrieval, on
/// scenes with colour–shape combinations never seen in training): U-Net mean IoU, captioning exact match and BLEU,
/// dual-encoder recall@1/@5 both ways. Writes the model (loadable like the other models), sample PNGs and their outputs.
/// </summary>
internal static class ShapesDemo
{
    private static readonly ShapeSceneOptions Scenes = new();

    public static int Run(VisionDemo.Options o, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        CliPaths.CreateRunFolder(o.Out, "--out");
        int testSize = Math.Max(1, o.Quick ? Math.Min(o.TestSize, 100) : o.TestSize);
        var test = ShapeScenes.Generate(ShapeSplit.HeldOut, 0, testSize, Scenes);
        var combos = ShapeScenes.Generate(ShapeSplit.HeldOutCombos, 0, Math.Max(1, testSize / 2), Scenes);
        string task = o.Task switch { VisionTask.ShapesSeg => "shapes-seg", VisionTask.ShapesCaption => "shapes-caption", _ => "shapes-retrieval" };
        ui.Line($"task {task}: 32×32 scenes of 1-3 shapes (circle/square/triangle, red/green/blue/yellow, small/large), e.g. \"{test.Captions[0]}\"; "
                + $"training scenes from seeds [0, 2^40), {testSize} held-out scenes from seeds 2^40 on"
                + (o.Task == VisionTask.ShapesSeg ? "" : $", {combos.Count} with colour-shape pairs never trained on ({string.Join(", ", Scenes.HeldOutCombos.Select(c => $"{c.Colour} {c.Kind}".ToLowerInvariant()))})"));
        var preset = o.Task switch
        {
            VisionTask.ShapesSeg => VisionPresets.SegTraining(o.Quick), VisionTask.ShapesCaption => VisionPresets.CaptionTraining(o.Quick),
            _ => VisionPresets.RetrievalTraining(o.Quick),
        };
        var opts = preset with { Steps = o.Steps > 0 ? o.Steps : preset.Steps, MaxMinutes = o.MaxMinutes };
        int lastShown = 0;
        void Progress(int step, float loss)
        {
            if (step - lastShown >= Math.Max(1, Math.Min(opts.Steps, 2000) / 10) || step == opts.Steps) { ui.Line($"  step {step,5}  loss {loss:F4}"); lastShown = step; }
        }
        var label = o.Task == VisionTask.ShapesSeg ? ShapeLabel.Mask : ShapeLabel.Caption;
        var sampler = new ShapeSceneSampler(Scenes, new AugmentOptions(), label, (ulong)o.Seed);
        ui.Line("augmentation: random crop with 2-pixel padding, rotation ±8°, scale ±5%, horizontal flip " + (label == ShapeLabel.Mask ? "(with the mask)" : "only of single-shape scenes (a caption with \"left of\" would become false)"));
        var rows = new List<(string, string)>();
        var samples = new StringBuilder();
        var images = test.ToTensor();
        ImageTrainReport report;
        object metrics;
        switch (o.Task)
        {
            case VisionTask.ShapesSeg:
            {
                var config = VisionPresets.SegConfig(o.Seed, o.Quick);
                var model = ModelFactory.Build(config) as UNet ?? throw new InvalidOperationException("U-Net expected");
                ui.Line($"model U-Net: {config.Vision!.CnnWidth} base channels, {config.Vision.CnnStages.Length} levels, {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters");
                report = SegmentationTrainer.Train(model, n => { var b = sampler.Next(n); return (b.ToTensor(), b.MaskTensor()); }, opts, Progress, cancel);
                var pred = SegmentationTrainer.Predict(model, images);
                double iou = SegmentationLoss.MeanIoU(pred, test.Masks, ShapeScenes.Classes);
                double pixel = pred.Zip(test.Masks).Count(p => p.First == p.Second) / (double)pred.Length;
                rows.Add(("mean IoU (4 classes, background included)", F(iou, "F4")));
                for (int c = 1; c < ShapeScenes.Classes; c++) rows.Add(($"IoU {((ShapeKind)(c - 1)).ToString().ToLowerInvariant()}", F(ClassIoU(pred, test.Masks, c), "F4")));
                rows.Add(("pixel accuracy", $"{F(pixel * 100, "F2")}%"));
                metrics = new { type = "test", task, mean_iou = iou, pixel_accuracy = pixel, steps = report.Steps, seconds = report.Seconds, test_size = testSize };
                ModelStore.Save(Path.Combine(o.Out, "model.safetensors"), model, config, null, null, report.Steps);
                for (int i = 0; i < Math.Min(8, testSize); i++)
                {
                    WriteSample(o.Out, i, images);
                    ImageIO.WritePng(Path.Combine(o.Out, $"sample_{i}_mask.png"), ImageIO.Enlarge(MaskImage(pred.AsSpan(i * 1024, 1024), 32, 32), 4));
                    ImageIO.WritePng(Path.Combine(o.Out, $"sample_{i}_truth.png"), ImageIO.Enlarge(MaskImage(test.Masks.AsSpan(i * 1024, 1024), 32, 32), 4));
                    var inter = pred.AsSpan(i * 1024, 1024).ToArray();
                    samples.AppendLine($"sample_{i}.png: {test.Captions[i]}  mean IoU {F(SegmentationLoss.MeanIoU(inter, test.Masks[(i * 1024)..((i + 1) * 1024)], ShapeScenes.Classes), "F3")} (sample_{i}_mask.png, truth sample_{i}_truth.png)");
                }
                break;
            }
            case VisionTask.ShapesCaption:
            {
                var tok = VisionPresets.CaptionTokenizer();
                var config = VisionPresets.CaptionConfig(o.Encoder, tok.Vocab.Count, o.Seed, o.Quick);
                var model = ModelFactory.BuildImageToSequence(config, new Rng(config.Seed));
                ui.Line($"model image-to-sequence, {config.Vision!.Encoder.ToString().ToLowerInvariant()} encoder + Transformer decoder: d {config.DModel}, "
                        + $"{config.DecoderLayers} decoder layers, {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters");
                report = ImageSequenceTrainer.Train(model, tok, n => { var b = sampler.Next(n); return (b.ToTensor(), b.Captions); }, opts, Progress, cancel);
                var hyps = ImageSequenceTrainer.Decode(model, tok, images, maxLength: 24);
                var comboHyps = ImageSequenceTrainer.Decode(model, tok, combos.ToTensor(), maxLength: 24);
                double exact = ImageSequenceTrainer.ExactMatch(hyps, test.Captions), comboExact = ImageSequenceTrainer.ExactMatch(comboHyps, combos.Captions);
                double bleu = Bleu.Corpus(hyps, new[] { test.Captions }).Score, comboBleu = Bleu.Corpus(comboHyps, new[] { combos.Captions }).Score;
                rows.Add(("exact match, held-out scenes", $"{F(exact * 100, "F2")}% ({hyps.Zip(test.Captions).Count(p => p.First == p.Second)}/{testSize})"));
                rows.Add(("BLEU, held-out scenes", F(bleu)));
                rows.Add(("exact match, unseen colour-shape pairs", $"{F(comboExact * 100, "F2")}% ({comboHyps.Zip(combos.Captions).Count(p => p.First == p.Second)}/{combos.Count})"));
                rows.Add(("BLEU, unseen colour-shape pairs", F(comboBleu)));
                metrics = new { type = "test", task, exact_match = exact, bleu, combos_exact_match = comboExact, combos_bleu = comboBleu, steps = report.Steps, seconds = report.Seconds, test_size = testSize };
                ModelStore.Save(Path.Combine(o.Out, "model.safetensors"), model, config, null, tok, report.Steps);
                for (int i = 0; i < Math.Min(8, testSize); i++)
                {
                    WriteSample(o.Out, i, images);
                    samples.AppendLine($"sample_{i}.png: output \"{hyps[i]}\"  reference \"{test.Captions[i]}\"  {(hyps[i] == test.Captions[i] ? "(correct)" : "(wrong)")}");
                }
                break;
            }
            default:
            {
                var tok = VisionPresets.CaptionTokenizer();
                var config = VisionPresets.RetrievalConfig(o.Encoder, tok.Vocab.Count, o.Seed, o.Quick);
                var model = ModelFactory.BuildDualEncoder(config);
                ui.Line($"model dual encoder: {config.Vision!.Encoder.ToString().ToLowerInvariant()} image encoder + {config.EncoderLayers}-layer Transformer text encoder, "
                        + $"d {config.DModel}, joint space {config.ProjectionDim}, {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters");
                report = DualEncoderTrainer.Train(model, tok, n => { var b = sampler.Next(n); return (b.ToTensor(), b.Captions); }, opts, Progress, cancel);
                var r = DualEncoderTrainer.Evaluate(model, tok, images, test.Captions);
                var rc = DualEncoderTrainer.Evaluate(model, tok, combos.ToTensor(), combos.Captions);
                rows.Add(($"image→text recall@1 / @5 ({testSize} held-out scenes)", $"{F(r.ImageToTextAt1, "F3")} / {F(r.ImageToTextAt5, "F3")}"));
                rows.Add(("text→image recall@1 / @5", $"{F(r.TextToImageAt1, "F3")} / {F(r.TextToImageAt5, "F3")}"));
                rows.Add(($"image→text recall@1 / @5 ({combos.Count} unseen colour-shape pairs)", $"{F(rc.ImageToTextAt1, "F3")} / {F(rc.ImageToTextAt5, "F3")}"));
                rows.Add(("text→image recall@1 / @5, unseen pairs", $"{F(rc.TextToImageAt1, "F3")} / {F(rc.TextToImageAt5, "F3")}"));
                rows.Add(("learned scale exp(logit_scale)", F(model.Scale, "F2")));
                metrics = new { type = "test", task, i2t_r1 = r.ImageToTextAt1, i2t_r5 = r.ImageToTextAt5, t2i_r1 = r.TextToImageAt1, t2i_r5 = r.TextToImageAt5,
                                combos_i2t_r1 = rc.ImageToTextAt1, combos_t2i_r1 = rc.TextToImageAt1, steps = report.Steps, seconds = report.Seconds, test_size = testSize };
                ModelStore.Save(Path.Combine(o.Out, "model.safetensors"), model, config, tok, null, report.Steps);
                var sim = DualEncoderTrainer.Similarity(model, tok, images, test.Captions);
                for (int i = 0; i < Math.Min(8, testSize); i++)
                {
                    WriteSample(o.Out, i, images);
                    int best = 0;
                    for (int j = 1; j < testSize; j++) if (sim[i * testSize + j] > sim[i * testSize + best]) best = j;
                    samples.AppendLine($"sample_{i}.png: nearest caption \"{test.Captions[best]}\"  own \"{test.Captions[i]}\"  {(test.Captions[best] == test.Captions[i] ? "(correct)" : "(wrong)")}");
                }
                break;
            }
        }
        ui.Line($"trained {report.Steps} steps in {report.Seconds:F1} s");
        rows.Add(("training time", $"{report.Seconds:F1} s"));
        rows.Add(("steps", report.Steps.ToString(CultureInfo.InvariantCulture)));
        ui.Table("results on held-out scenes", rows);
        AtomicFile.WriteAllText(Path.Combine(o.Out, "samples.txt"), samples.ToString());
        using (var log = new MetricsLog(Path.Combine(o.Out, RunFolder.MetricsFile))) log.Append(metrics);
        ui.Line(samples.ToString().TrimEnd());
        ui.Line($"run folder: {o.Out} (model.safetensors, metrics.jsonl, samples.txt, sample_*.png)");
        return 0;
    }

    private static string F(double v, string format = "F2") => v.ToString(format, CultureInfo.InvariantCulture);

    private static void WriteSample(string dir, int i, Tensor images)
        => ImageIO.WritePng(Path.Combine(dir, $"sample_{i}.png"), ImageIO.Enlarge(images.Select(0, i).Contiguous(), 4));

    private static double ClassIoU(int[] pred, int[] truth, int c)
    {
        long inter = 0, uni = 0;
        for (int i = 0; i < pred.Length; i++) { bool p = pred[i] == c, t = truth[i] == c; if (p && t) inter++; if (p || t) uni++; }
        return uni == 0 ? 1 : (double)inter / uni;
    }

    /// <summary>A class mask as an RGB image (3, H, W): background black, circle white, square grey-blue, triangle orange.</summary>
    public static Tensor MaskImage(ReadOnlySpan<int> mask, int h, int w)
    {
        float[][] colours = [[0, 0, 0], [1, 1, 1], [0.4f, 0.6f, 1], [1, 0.6f, 0.1f]];
        var px = new float[3 * h * w];
        for (int p = 0; p < h * w; p++)
            for (int ch = 0; ch < 3; ch++) px[ch * h * w + p] = colours[Math.Clamp(mask[p], 0, colours.Length - 1)][ch];
        return Tensor.FromArray(px, 3, h, w);
    }
}
