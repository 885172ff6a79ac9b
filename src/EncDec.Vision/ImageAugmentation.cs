using EncDec.Tensors;

namespace EncDec.Vision;

/// <summary>
/// Seeded augmentation of image batches (N, C, H, W), optionally with their per-pixel masks (N·H·W): each image gets
/// one random affine map (flip, rotation, scale, shift) applied by inverse mapping — bilinear for the image with zeros
/// outside it, nearest for the mask with background (0) outside it, so image and mask stay aligned. Only the draws of
/// the random source decide the result.
/// </summary>
public static class ImageAugmentation
{
    /// <summary>
    /// Augments <paramref name="pixels"/> (N·C·H·W) and <paramref name="masks"/> (N·H·W, or null) into new arrays.
    /// <paramref name="flipAllowed"/>[i] false keeps image i unflipped (e.g. a caption that says "left of"); null allows all.
    /// </summary>
    public static (float[] Pixels, int[]? Masks) Apply(float[] pixels, int[]? masks, int n, int channels, int height, int width,
                                                      AugmentOptions o, Rng rng, IReadOnlyList<bool>? flipAllowed = null)
    {
        int hw = height * width;
        if (pixels.Length != n * channels * hw) throw new ArgumentException($"pixels: {pixels.Length} values for {n}×{channels}×{height}×{width}");
        if (masks is not null && masks.Length != n * hw) throw new ArgumentException($"masks: {masks.Length} values for {n}×{height}×{width}");
        var outPx = new float[pixels.Length];
        var outMask = masks is null ? null : new int[masks.Length];
        float cy = (height - 1) / 2f, cx = (width - 1) / 2f;
        for (int b = 0; b < n; b++)
        {
            bool flip = o.FlipProbability > 0 && rng.NextDouble() < o.FlipProbability && (flipAllowed is null || flipAllowed[b]);
            double angle = o.MaxRotationDegrees * (2 * rng.NextDouble() - 1) * Math.PI / 180;
            double scale = 1 + o.MaxScaleChange * (2 * rng.NextDouble() - 1);
            int dy = o.CropPadding > 0 ? rng.NextInt(2 * o.CropPadding + 1) - o.CropPadding : 0;
            int dx = o.CropPadding > 0 ? rng.NextInt(2 * o.CropPadding + 1) - o.CropPadding : 0;
            // output (r, c) ← source: undo the shift, then the rotation/scale about the centre, then the flip
            float cos = (float)(Math.Cos(angle) / scale), sin = (float)(Math.Sin(angle) / scale);
            for (int r = 0; r < height; r++)
                for (int c = 0; c < width; c++)
                {
                    float y = r - dy - cy, x = c - dx - cx;
                    float sy = cos * y - sin * x + cy, sx = sin * y + cos * x + cx;
                    if (flip) sx = width - 1 - sx;
                    int p = r * width + c;
                    for (int ch = 0; ch < channels; ch++)
                        outPx[(b * channels + ch) * hw + p] = Bilinear(pixels.AsSpan((b * channels + ch) * hw, hw), height, width, sy, sx);
                    if (outMask is not null)
                    {
                        int ny = (int)MathF.Round(sy), nx = (int)MathF.Round(sx);
                        outMask[b * hw + p] = ny >= 0 && ny < height && nx >= 0 && nx < width ? masks![b * hw + ny * width + nx] : 0;
                    }
                }
        }
        return (outPx, outMask);
    }

    private static float Bilinear(ReadOnlySpan<float> img, int h, int w, float y, float x)
    {
        int y0 = (int)MathF.Floor(y), x0 = (int)MathF.Floor(x);
        float ly = y - y0, lx = x - x0;
        return (1 - ly) * ((1 - lx) * At(img, h, w, y0, x0) + lx * At(img, h, w, y0, x0 + 1))
             + ly * ((1 - lx) * At(img, h, w, y0 + 1, x0) + lx * At(img, h, w, y0 + 1, x0 + 1));
    }

    private static float At(ReadOnlySpan<float> img, int h, int w, int y, int x) => y >= 0 && y < h && x >= 0 && x < w ? img[y * w + x] : 0f;
}
