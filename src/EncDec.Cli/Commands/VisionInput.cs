using EncDec.Autograd;
using EncDec.IO;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Vision;

namespace EncDec.Cli.Commands;

/// <summary>Shared by <c>encdec segment</c> and <c>encdec caption</c>: loading a vision model and fitting an image file to it.</summary>
internal static class VisionInput
{
    /// <summary>Loads <paramref name="model"/> and checks it is a <typeparamref name="T"/> with vision settings.</summary>
    public static (T Model, LoadedModel Loaded, VisionConfig Vision) Load<T>(string model, string what) where T : class
    {
        var loaded = ModelStore.Load(model);
        if (loaded.Model is not T m || loaded.Config.Vision is not { } v)
            throw new UserInputException(loaded.Path, null, $"--model: a {loaded.Config.Family} model cannot {what}");
        return (m, loaded, v);
    }

    /// <summary>Reads an image as (1, C, H, W) with the model's channels, resized bilinearly to the model's input size when it differs.</summary>
    public static (Tensor Batch, int Height, int Width) Read(string path, VisionConfig v)
    {
        CliPaths.CheckInputFile(path, "image");
        var img = ImageIO.Read(path, v.Channels);                            // (C, H, W)
        int h = img.Shape[1], w = img.Shape[2];
        var batch = img.Unsqueeze(0);                                        // (1, C, H, W)
        if (h != v.Height || w != v.Width)
            using (GradMode.NoGrad()) batch = F.UpsampleBilinear2d(batch, v.Height, v.Width);
        return (batch, h, w);
    }
}
