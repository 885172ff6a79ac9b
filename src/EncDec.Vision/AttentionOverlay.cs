using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Vision;

/// <summary>
/// Attention over an image as a picture: for each output token, the image (grey-scaled, dimmed) with the token's
/// attention over the encoder's grid cells laid over it in red, upsampled bilinearly from the grid to the image;
/// one panel per output token (the last is the end-of-sequence step), side by side, separated by a white column.
/// Each panel is scaled to its own maximum, so it shows where that token looked, not how sharply.
/// </summary>
public static class AttentionOverlay
{
    /// <summary>
    /// <paramref name="image"/> (C, H, W) in [0, 1]; <paramref name="attention"/> (T_out, S) with S = <paramref name="skip"/> +
    /// rows·cols (the first <paramref name="skip"/> memory positions, e.g. a ViT class token, are not image regions and are
    /// left out); returns (3, H·scale, T_out·(W·scale + 1) − 1).
    /// </summary>
    public static Tensor Render(Tensor image, float[,] attention, int rows, int cols, int skip = 0, int scale = 4)
    {
        if (image.Rank != 3) throw new ArgumentException($"image {ShapeUtil.Format(image.Shape)} must be (C, H, W)");
        int steps = attention.GetLength(0), s = attention.GetLength(1);
        if (s != skip + rows * cols) throw new ArgumentException($"attention over {s} positions does not fit a {rows}×{cols} grid after {skip} skipped");
        int c = image.Shape[0], h = image.Shape[1] * scale, w = image.Shape[2] * scale, panelW = w + 1, total = Math.Max(1, steps) * panelW - 1;
        float[] grey;
        using (GradMode.NoGrad())
        {
            var big = F.UpsampleNearest2d(image.Unsqueeze(0), h, w).Contiguous().ToArray();   // (1, C, h, w)
            grey = new float[h * w];
            for (int p = 0; p < h * w; p++)
            {
                float v = 0; for (int ch = 0; ch < c; ch++) v += big[ch * h * w + p];
                grey[p] = v / c;
            }
        }
        var px = new float[3 * h * total];
        Array.Fill(px, 1f);                                                  // white separators
        for (int t = 0; t < steps; t++)
        {
            var cells = new float[rows * cols];
            float max = 0;
            for (int i = 0; i < cells.Length; i++) { cells[i] = attention[t, skip + i]; max = Math.Max(max, cells[i]); }
            if (max > 0) for (int i = 0; i < cells.Length; i++) cells[i] /= max;
            float[] heat;
            using (GradMode.NoGrad()) heat = F.UpsampleBilinear2d(Tensor.FromArray(cells, 1, 1, rows, cols), h, w).ToArray();   // (1, 1, h, w)
            int x0 = t * panelW;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float g = 0.6f * grey[y * w + x], a = Math.Clamp(heat[y * w + x], 0f, 1f);
                    int o = y * total + x0 + x;
                    px[o] = g + (1 - g) * a;                                  // red rises with attention
                    px[h * total + o] = g * (1 - a);
                    px[2 * h * total + o] = g * (1 - a);
                }
        }
        return Tensor.FromArray(px, 3, h, total);
    }
}
