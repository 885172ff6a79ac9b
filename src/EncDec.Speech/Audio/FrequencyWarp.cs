using EncDec.Tensors;

namespace EncDec.Speech.Audio;

/// <summary>
/// Vocal-tract-length-style warping of a log-mel (after Jaitly &amp; Hinton 2013's VTLP, on the mel axis): the value at
/// mel channel m is read, linearly interpolated, from channel m / α with α drawn uniformly from
/// [1 − <see cref="MaxWarp"/>, 1 + <see cref="MaxWarp"/>] per utterance; channels read from past the top copy the top one.
/// A longer or shorter vocal tract shifts the formants by a factor, so this makes new voices from the training ones.
/// </summary>
public sealed record FrequencyWarp
{
    /// <summary>The largest relative warp (0 = off).</summary>
    public double MaxWarp { get; init; } = 0.1;

    /// <summary>A warped copy of <paramref name="mel"/> (mels, frames) row-major (the same array when off).</summary>
    public float[] Apply(float[] mel, int mels, Rng rng)
    {
        if (MaxWarp <= 0) return mel;
        double alpha = 1 + MaxWarp * (2 * rng.NextDouble() - 1);
        int frames = mel.Length / mels;
        var y = new float[mel.Length];
        for (int m = 0; m < mels; m++)
        {
            double at = Math.Min(m / alpha, mels - 1);
            int lo = (int)at, hi = Math.Min(lo + 1, mels - 1);
            float w = (float)(at - lo);
            var a = mel.AsSpan(lo * frames, frames);
            var b = mel.AsSpan(hi * frames, frames);
            var dst = y.AsSpan(m * frames, frames);
            for (int f = 0; f < frames; f++) dst[f] = a[f] + w * (b[f] - a[f]);
        }
        return y;
    }
}
