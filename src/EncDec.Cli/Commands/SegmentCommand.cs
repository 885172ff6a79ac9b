using System.CommandLine;
using System.Globalization;
using EncDec.Autograd;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Vision;
using EncDec.Vision.Training;

namespace EncDec.Cli.Commands;

/// <summary>
/// <c>encdec segment --model RUN img.png --output mask.png</c>: the U-Net's per-pixel classes of one image, written as a
/// colour PNG of the image's own size (background black; classes 1, 2, 3 … white, blue, orange …), and the pixel count per class.
/// </summary>
internal static class SegmentCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Run folder or model file of a U-Net (e.g. from demo --task shapes-seg)", Required = true };
        var image = new Argument<string>("image") { Description = "PNG or JPEG image" };
        var output = new Option<string>("--output") { Description = "Mask PNG to write", Required = true };
        var cmd = new Command("segment", "Predict a per-pixel class mask of an image with a U-Net and write it as a PNG.") { model, image, output };
        cmd.SetAction(r => Run(r.GetValue(model)!, r.GetValue(image)!, r.GetValue(output)!, stdout));
        return cmd;
    }

    public static int Run(string modelPath, string imagePath, string output, TextWriter stdout)
    {
        CliPaths.CheckOutputFile(output, "--output");
        var (net, _, v) = VisionInput.Load<UNet>(modelPath, "segment images");
        var (batch, h, w) = VisionInput.Read(imagePath, v);
        Tensor logits;
        using (GradMode.NoGrad())
        {
            logits = net.Forward(batch);                                     // (1, K, H', W')
            if (h != v.Height || w != v.Width) logits = F.UpsampleBilinear2d(logits, h, w);   // (1, K, H, W)
        }
        var mask = SegmentationLoss.Predict(logits);
        ImageIO.WritePng(output, ShapesDemo.MaskImage(mask, h, w));
        var counts = Enumerable.Range(0, net.NumClasses).Select(c => $"class {c}: {mask.Count(m => m == c).ToString(CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"wrote {output} ({w}×{h}); pixels per class: {string.Join(", ", counts)}");
        return 0;
    }
}
