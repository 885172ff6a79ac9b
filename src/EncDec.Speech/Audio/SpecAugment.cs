using EncDec.Tensors;

namespace EncDec.Speech.Audio;

/// <summary>
/// SpecAugment's masking (Park et al., 2019), without time warping: <see cref="FrequencyMasks"/> bands of up to
/// <see cref="MaxFrequencyWidth"/> mel channels and <see cref="TimeMasks"/> spans of up to <see cref="MaxTimeFraction"/>
/// of the frames (and at most <see cref="MaxTimeWidth"/>) set to the spectrogram's mean. Seeded through the caller's <see cref="Rng"/>.
/// </summary>
public sealed record SpecAugment
{
    public int FrequencyMasks { get; init; } = 2;
    public int MaxFrequencyWidth { get; init; } = 10;
    public int TimeMasks { get; init; } = 2;
    public int MaxTimeWidth { get; init; } = 20;
    public double MaxTimeFraction { get; init; } = 0.15;

    /// <summary>A masked copy of <paramref name="mel"/> (mels, frames) row-major.</summary>
    public float[] Apply(float[] mel, int mels, Rng rng)
    {
        int frames = mel.Length / mels;
        var y = (float[])mel.Clone();
        float fill = mel.Length == 0 ? 0 : mel.Average();
        for (int i = 0; i < FrequencyMasks; i++)
        {
            int w = Draw(rng, Math.Min(MaxFrequencyWidth, mels) + 1), f0 = Draw(rng, mels - w + 1);
            for (int m = f0; m < f0 + w; m++) Array.Fill(y, fill, m * frames, frames);
        }
        int maxT = Math.Min(MaxTimeWidth, (int)(MaxTimeFraction * frames));
        for (int i = 0; i < TimeMasks; i++)
        {
            int w = Draw(rng, maxT + 1), t0 = Draw(rng, frames - w + 1);
            for (int m = 0; m < mels; m++) Array.Fill(y, fill, m * frames + t0, w);
        }
        return y;
    }

    private static int Draw(Rng rng, int n) => n <= 1 ? 0 : rng.NextInt(n);
}
