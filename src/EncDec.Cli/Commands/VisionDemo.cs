using System.Globalization;
using System.Text;
using EncDec.IO;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Vision;
using EncDec.Vision.Training;

namespace EncDec.Cli.Commands;

/// <summary>The vision tasks of <c>encdec demo --task …</c>.</summary>
internal enum VisionTask { DigitsOcr, ShapesSeg, ShapesCaption, ShapesRetrieval }

/// <summary>
/// <c>encdec demo --task digits-ocr</c>: generated rows of 3–6 UCI handwritten digits → the digit string. A CNN
/// (residual blocks) or ViT encoder with the Transformer decoder, trained on freshly generated batches of training
/// handwriting, scored by exact match on 1,000 rows drawn only from held-out digit images; writes the model
/// (config + tokenizer, loadable like the text models), sample PNGs and their predictions.
/// </summary>
internal static class VisionDemo
{
    public static bool TryParse(string task, out VisionTask t)
    {
        switch (task.ToLowerInvariant())
        {
            case "digits-ocr": t = VisionTask.DigitsOcr; return true;
            case "shapes-seg": t = VisionTask.ShapesSeg; return true;
            case "shapes-caption": t = VisionTask.ShapesCaption; return true;
            case "shapes-retrieval": t = VisionTask.ShapesRetrieval; return true;
            default: t = default; return false;
        }
    }

    public sealed record Options(VisionTask Task, ImageEncoderKind Encoder, string Out, int TestSize, int Steps, double MaxMinutes, int Seed, bool Quick);

    public static ImageEncoderKind ParseEncoder(string model) => model.ToLowerInvariant() switch
    {
        "transformer" or "cnn" => ImageEncoderKind.Cnn,
        "vit" => ImageEncoderKind.Vit,
        _ => throw new UserInputException($"--model: unknown image encoder '{model}' for a vision task (expected cnn or vit)"),
    };

    public static int Run(Options o, TextWriter stdout, CancellationToken cancel)
    {
        if (o.Task != VisionTask.DigitsOcr) return ShapesDemo.Run(o, stdout, cancel);
        var ui = new Ui(stdout);
        CliPaths.CreateRunFolder(o.Out, "--out");
        var tok = VisionPresets.DigitsTokenizer();
        var config = VisionPresets.DigitsConfig(o.Encoder, tok.Vocab.Count, o.Seed, o.Quick);
        var model = ModelFactory.BuildImageToSequence(config, new Rng(config.Seed));
        int testSize = o.Quick ? Math.Min(o.TestSize, 100) : o.TestSize;
        var test = DigitStrings.Generate(testSize, DigitSplit.HeldOut, new Rng((ulong)o.Seed + 1000));
        ui.Line($"task digits-ocr: rows of 3-6 UCI handwritten digits (CC BY 4.0), 16×64; training draws from {UciDigits.TrainCount} digit images, "
                + $"the {testSize} test rows only from the other {UciDigits.Count - UciDigits.TrainCount}");
        ui.Line($"model image-to-sequence, {config.Vision!.Encoder.ToString().ToLowerInvariant()} encoder + Transformer decoder: "
                + $"d {config.DModel}, {config.DecoderLayers} decoder layers, {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters");
        var rng = new Rng((ulong)o.Seed);
        var preset = VisionPresets.DigitsTraining(o.Quick);
        var opts = preset with { Steps = o.Steps > 0 ? o.Steps : preset.Steps, MaxMinutes = o.MaxMinutes };
        int lastShown = 0;
        var report = ImageSequenceTrainer.Train(model, tok, n =>
        {
            var b = DigitStrings.Generate(n, DigitSplit.Train, rng, VisionPresets.DigitsTrainingRows());
            return (b.ToTensor(), b.Texts);
        }, opts, (step, loss) =>
        {
            if (step - lastShown >= Math.Max(1, opts.Steps / 10) || step == opts.Steps) { ui.Line($"  step {step,5}  loss {loss:F4}"); lastShown = step; }
        }, cancel);
        ui.Line($"trained {report.Steps} steps in {report.Seconds:F1} s");

        var hyps = ImageSequenceTrainer.DecodeShiftVote(model, tok, test.ToTensor(), o.Quick ? 1 : VisionPresets.DigitsVoteViews);
        double exact = ImageSequenceTrainer.ExactMatch(hyps, test.Texts);
        int chars = test.Texts.Sum(t => t.Length), right = hyps.Zip(test.Texts).Sum(p => p.First.Length == p.Second.Length ? p.First.Zip(p.Second).Count(c => c.First == c.Second) : 0);
        ui.Table("results on held-out handwriting", new (string, string)[]
        {
            ("exact match", $"{exact * 100:F2}% ({hyps.Zip(test.Texts).Count(p => p.First == p.Second)}/{testSize})"),
            ("digit accuracy (same length)", $"{100.0 * right / chars:F2}%"),
            ("training time", $"{report.Seconds:F1} s"),
            ("steps", report.Steps.ToString(CultureInfo.InvariantCulture)),
        });

        ModelStore.Save(Path.Combine(o.Out, "model.safetensors"), model, config, null, tok, report.Steps);
        var samples = new StringBuilder();
        var images = test.ToTensor();
        for (int i = 0; i < Math.Min(8, testSize); i++)
        {
            string png = Path.Combine(o.Out, $"sample_{i}.png");
            ImageIO.WritePng(png, ImageIO.Enlarge(images.Select(0, i).Contiguous(), 4));
            samples.AppendLine($"{Path.GetFileName(png)}: output {hyps[i]}  reference {test.Texts[i]}  {(hyps[i] == test.Texts[i] ? "(correct)" : "(wrong)")}");
        }
        AtomicFile.WriteAllText(Path.Combine(o.Out, "samples.txt"), samples.ToString());
        ui.Line(samples.ToString().TrimEnd());
        ui.Line($"run folder: {o.Out} (model.safetensors, samples.txt, sample_*.png)");
        return 0;
    }
}
