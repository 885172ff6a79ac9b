using EncDec.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EncDec.Vision;

/// <summary>
/// PNG/JPEG reading and PNG writing through SixLabors.ImageSharp 2.1.x (Apache-2.0). Images become float tensors
/// (C, H, W) in [0, 1], C = 1 (grey) or 3 (RGB); unreadable files are a <see cref="UserInputException"/> naming the file.
/// </summary>
public static class ImageIO
{
    /// <summary>Reads an image file as (channels, H, W) in [0, 1], converting to grey (1) or RGB (3).</summary>
    public static Tensor Read(string path, int channels = 3)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), "channels must be 1 or 3");
        try
        {
            using var img = Image.Load<Rgb24>(path);
            int h = img.Height, w = img.Width;
            var data = new float[channels * h * w];
            img.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < h; y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (int x = 0; x < w; x++)
                    {
                        var p = row[x];
                        if (channels == 1) data[y * w + x] = (0.299f * p.R + 0.587f * p.G + 0.114f * p.B) / 255f;
                        else { data[y * w + x] = p.R / 255f; data[(h + y) * w + x] = p.G / 255f; data[(2 * h + y) * w + x] = p.B / 255f; }
                    }
                }
            });
            return Tensor.FromArray(data, channels, h, w);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or IOException or NotSupportedException)
        {
            throw new UserInputException(path, null, $"cannot read image: {e.Message.Split('\n')[0].Trim()}");
        }
    }

    /// <summary>Writes (C, H, W) or (H, W) values in [0, 1] (clamped) as a PNG, atomically.</summary>
    public static void WritePng(string path, Tensor image)
    {
        var t = image.Rank == 2 ? image.Reshape(1, image.Shape[0], image.Shape[1]) : image;
        if (t.Rank != 3 || t.Shape[0] is not (1 or 3)) throw new ArgumentException($"image {ShapeUtil.Format(image.Shape)} must be (1|3, H, W) or (H, W)");
        int c = t.Shape[0], h = t.Shape[1], w = t.Shape[2];
        var v = t.ToArray();
        using var img = new Image<Rgb24>(w, h);
        static byte B(float x) => (byte)Math.Clamp((int)MathF.Round(x * 255f), 0, 255);
        img.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < h; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < w; x++)
                    row[x] = c == 1 ? new Rgb24(B(v[y * w + x]), B(v[y * w + x]), B(v[y * w + x]))
                                    : new Rgb24(B(v[y * w + x]), B(v[(h + y) * w + x]), B(v[(2 * h + y) * w + x]));
            }
        });
        AtomicFile.Write(path, s => img.SaveAsPng(s));
    }

    /// <summary>Nearest-neighbour enlargement of (C, H, W) by an integer factor (for viewing small images).</summary>
    public static Tensor Enlarge(Tensor image, int factor)
    {
        using (Tensors.GradMode.NoGrad())
            return Autograd.F.UpsampleNearest2d(image.Unsqueeze(0), image.Shape[1] * factor, image.Shape[2] * factor).Squeeze(0);
    }
}
