using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace EncDec.Speech.Audio;

/// <summary>
/// Whisper's log-mel front end on 16 kHz audio: a centred STFT (reflect padding of n_fft/2 each side, periodic Hann
/// window, n_fft 400, hop 160, FFT by MathNet.Numerics), power spectrum, the last frame dropped (so N samples give
/// N / 160 frames), the 80-band Slaney mel filter bank, log10 of max(x, 1e-10), clamped to 8 below the clip's maximum
/// and scaled (x + 4) / 4. Output (mels, frames) row-major.
/// </summary>
public sealed class LogMelSpectrogram
{
    public const int NFft = 400, Hop = 160, DefaultMels = 80;
    public int Mels { get; }
    private readonly float[] _filters;                                    // (mels, bins)
    private readonly double[] _window;
    private readonly int[] _firstBin, _endBin;                           // each filter's non-zero bins [first, end)

    public LogMelSpectrogram(int mels = DefaultMels)
    {
        Mels = mels;
        _filters = MelFilterBank.Create(Resampler.SpeechRate, NFft, mels);
        int bins = NFft / 2 + 1;
        _firstBin = new int[mels];
        _endBin = new int[mels];
        for (int m = 0; m < mels; m++)
        {
            int first = 0, end = 0;
            for (int k = 0; k < bins; k++)
                if (_filters[m * bins + k] != 0) { if (end == 0) first = k; end = k + 1; }
            (_firstBin[m], _endBin[m]) = (first, end);
        }
        _window = new double[NFft];
        for (int i = 0; i < NFft; i++) _window[i] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / NFft);   // periodic Hann
    }

    /// <summary>Frames of a clip of <paramref name="samples"/> samples (at least one).</summary>
    public static int Frames(int samples) => Math.Max(1, Math.Max(samples, NFft) / Hop);

    /// <summary>Any clip, resampled to 16 kHz first → (mels, frames).</summary>
    public float[] Compute(AudioClip clip) => Compute(Resampler.To(clip).Samples);

    /// <summary>16 kHz samples → (mels, frames) row-major. Clips shorter than n_fft are zero-padded to n_fft first.</summary>
    public float[] Compute(float[] samples)
    {
        var x = samples.Length >= NFft ? samples : samples.Concat(new float[NFft - samples.Length]).ToArray();
        int frames = Frames(x.Length), bins = NFft / 2 + 1, pad = NFft / 2;
        var power = new double[frames * bins];                           // (frames, bins)
        Parallel.For(0, frames, () => new Complex[NFft], (f, _, buf) =>
        {
            int start = f * Hop - pad;
            for (int i = 0; i < NFft; i++) buf[i] = new Complex(x[Reflect(start + i, x.Length)] * _window[i], 0);
            Fourier.Forward(buf, FourierOptions.NoScaling);
            for (int k = 0; k < bins; k++) power[f * bins + k] = buf[k].Real * buf[k].Real + buf[k].Imaginary * buf[k].Imaginary;
            return buf;
        }, _ => { });
        var mel = new float[Mels * frames];                              // (mels, frames)
        double max = double.NegativeInfinity;
        for (int m = 0; m < Mels; m++)
            for (int f = 0; f < frames; f++)
            {
                double s = 0;
                for (int k = _firstBin[m]; k < _endBin[m]; k++) s += _filters[m * bins + k] * power[f * bins + k];   // zeros elsewhere
                double v = Math.Log10(Math.Max(s, 1e-10));
                mel[m * frames + f] = (float)v;
                max = Math.Max(max, v);
            }
        float floor = (float)(max - 8.0);
        for (int i = 0; i < mel.Length; i++) mel[i] = (Math.Max(mel[i], floor) + 4f) / 4f;
        return mel;
    }

    /// <summary>Reflect padding index (no edge repeat), as torch.stft's pad_mode="reflect".</summary>
    private static int Reflect(int i, int n)
    {
        while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
        return i;
    }
}
