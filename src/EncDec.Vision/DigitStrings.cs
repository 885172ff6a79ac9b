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
                Blit(img, sizes[i], canvas, o.Width, x, y);
                x += sizes[i] + gaps[i];
            }
            if (o.Noise > 0) for (int p = 0; p < canvas.Length; p++) canvas[p] += o.Noise * (float)rng.NextNormal();
            texts[n] = string.Concat(digits);
        }
        return new DigitStringBatch(px, texts, o.Height, o.Width);
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
