using EncDec.Tensors;

namespace EncDec.Vision;

/// <summary>
/// The OCR-style task: 3–6 UCI digits in a row, each with its own scale, vertical jitter and gap, plus noise → the
/// digit string. Digit images come only from the requested split, so held-out examples show unseen handwriting.
/// </summary>
public static class DigitStrings
{
    public static DigitStringBatch Generate(int count, DigitSplit split, Rng rng, DigitStringOptions? options = null)
    {
        var o = options ?? new DigitStringOptions();
        var pool = UciDigits.ByDigit(split);
        var px = new float[count * o.Height * o.Width];
        var texts = new string[count];
        for (int n = 0; n < count; n++)
        {
            int len = o.MinDigits + rng.NextInt(o.MaxDigits - o.MinDigits + 1);
            var digits = new int[len]; var sizes = new int[len]; var gaps = new int[len];
            for (int i = 0; i < len; i++)
            {
                digits[i] = rng.NextInt(10);
                sizes[i] = (int)MathF.Round(UciDigits.Side * (o.MinScale + (o.MaxScale - o.MinScale) * (float)rng.NextDouble()));
                sizes[i] = Math.Min(sizes[i], o.Height);
                gaps[i] = rng.NextInt(3);
            }
            // shrink until the row fits
            while (sizes.Sum() + gaps.Sum() > o.Width)
                for (int i = 0; i < len; i++) if (sizes[i] > 6) sizes[i]--; else gaps[i] = 0;
            int x = rng.NextInt(Math.Max(1, o.Width - sizes.Sum() - gaps.Sum() + 1));
            var canvas = px.AsSpan(n * o.Height * o.Width, o.Height * o.Width);
            for (int i = 0; i < len; i++)
            {
                var imgs = pool[digits[i]];
                int img = imgs[rng.NextInt(imgs.Length)];
                int y = rng.NextInt(o.Height - sizes[i] + 1);
                if (o.Augment is { } aug) BlitWarped(img, sizes[i], canvas, o.Width, x, y, aug, rng);
                else Blit(img, sizes[i], canvas, o.Width, x, y);
                x += sizes[i] + gaps[i];
            }
            if (o.Noise > 0) for (int p = 0; p < canvas.Length; p++) canvas[p] += o.Noise * (float)rng.NextNormal();
            texts[n] = string.Concat(digits);
        }
        return new DigitStringBatch(px, texts, o.Height, o.Width);
    }

    /// <summary>
    /// Draws digit image <paramref name="img"/> into the size×size cell at (x, y) through a random small affine about the
    /// cell centre (rotation, shear, width stretch; inverse-mapped, bilinear, zero outside the 8×8 original), then an
    /// optional elastic displacement of the source point (3×3 grid of random offsets, bilinear), with a random stroke
    /// gamma, keeping the brighter value.
    /// </summary>
    private static void BlitWarped(int img, int size, Span<float> canvas, int width, int x0, int y0, DigitAugmentOptions a, Rng rng)
    {
        float U() => 2f * rng.NextFloat() - 1f;
        float angle = a.MaxRotationDegrees * MathF.PI / 180f * U(), shear = a.MaxShear * U(), stretch = 1f + a.MaxStretch * U();
        float gamma = MathF.Pow(a.MaxGamma, U());
        Span<float> field = stackalloc float[18];   // (3, 3, 2): x and y offsets at source points 0, 3.5, 7
        if (a.ElasticPixels > 0) for (int k = 0; k < field.Length; k++) field[k] = a.ElasticPixels * (float)rng.NextNormal();
        var src = UciDigits.Pixels.AsSpan(img * 64, 64);
        float scale = 8f / size, cos = MathF.Cos(angle), sin = MathF.Sin(angle), c = size / 2f;
        int height = canvas.Length / width;
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
            {
                // output offset from the cell centre → undo stretch, shear, rotation → source pixel coordinates
                float dx = (j + 0.5f - c) / stretch, dy = i + 0.5f - c;
                dx -= shear * dy;
                float rx = cos * dx + sin * dy, ry = -sin * dx + cos * dy;
                float sx = rx * scale + 3.5f, sy = ry * scale + 3.5f;
                if (a.ElasticPixels > 0) (sx, sy) = Displace(field, sx, sy);
                float v = Sample(src, sx, sy);
                if (v <= 0f) continue;
                int py = y0 + i, px = x0 + j;
                if (py < 0 || py >= height || px < 0 || px >= width) continue;
                int p = py * width + px;
                canvas[p] = Math.Max(canvas[p], MathF.Pow(v / 16f, gamma));
            }
    }

    /// <summary>Moves source point (x, y) by the 3×3 offset grid <paramref name="field"/> (grid points 3.5 pixels apart), bilinearly interpolated.</summary>
    private static (float X, float Y) Displace(ReadOnlySpan<float> field, float x, float y)
    {
        float gx = Math.Clamp(x / 3.5f, 0f, 2f), gy = Math.Clamp(y / 3.5f, 0f, 2f);
        int i0 = Math.Min((int)gy, 1), j0 = Math.Min((int)gx, 1);
        float ly = gy - i0, lx = gx - j0, ox = 0f, oy = 0f;
        for (int di = 0; di < 2; di++)
            for (int dj = 0; dj < 2; dj++)
            {
                float w = (di == 0 ? 1 - ly : ly) * (dj == 0 ? 1 - lx : lx);
                int k = ((i0 + di) * 3 + j0 + dj) * 2;
                ox += w * field[k]; oy += w * field[k + 1];
            }
        return (x + ox, y + oy);
    }

    /// <summary>Bilinear sample of an 8×8 image at (x, y) in pixel-centre coordinates, zero outside.</summary>
    private static float Sample(ReadOnlySpan<byte> src, float x, float y)
    {
        int x0 = (int)MathF.Floor(x), y0 = (int)MathF.Floor(y);
        float lx = x - x0, ly = y - y0, v = 0f;
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                int yy = y0 + dy, xx = x0 + dx;
                if (yy < 0 || yy > 7 || xx < 0 || xx > 7) continue;
                v += (dy == 0 ? 1 - ly : ly) * (dx == 0 ? 1 - lx : lx) * src[yy * 8 + xx];
            }
        return v;
    }

    /// <summary>Draws digit image <paramref name="img"/> resized to size×size at (x, y), keeping the brighter value.</summary>
    private static void Blit(int img, int size, Span<float> canvas, int width, int x0, int y0)
    {
        var src = UciDigits.Pixels.AsSpan(img * 64, 64);
        float scale = 8f / size;
        for (int i = 0; i < size; i++)
        {
            float sy = Math.Max((i + 0.5f) * scale - 0.5f, 0f);
            int a = Math.Min((int)sy, 7), a1 = Math.Min(a + 1, 7); float ly = sy - a;
            for (int j = 0; j < size; j++)
            {
                float sx = Math.Max((j + 0.5f) * scale - 0.5f, 0f);
                int b = Math.Min((int)sx, 7), b1 = Math.Min(b + 1, 7); float lx = sx - b;
                float v = (1 - ly) * ((1 - lx) * src[a * 8 + b] + lx * src[a * 8 + b1]) + ly * ((1 - lx) * src[a1 * 8 + b] + lx * src[a1 * 8 + b1]);
                int p = (y0 + i) * width + x0 + j;
                canvas[p] = Math.Max(canvas[p], v / 16f);
            }
        }
    }
}
