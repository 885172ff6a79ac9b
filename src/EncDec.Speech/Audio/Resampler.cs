namespace EncDec.Speech.Audio;

/// <summary>
/// Band-limited resampling by a windowed sinc (Blackman window, <see cref="ZeroCrossings"/> zero crossings each side of
/// the centre), polyphase: for a rate ratio L/M (reduced) the L fractional phases' taps are computed once. The cut-off
/// is the lower of the two Nyquist frequencies (times <see cref="Rolloff"/>), so downsampling removes what the new rate
/// cannot hold instead of aliasing it.
/// </summary>
public static class Resampler
{
    public const int ZeroCrossings = 16;
    public const double Rolloff = 0.95;
    /// <summary>The rate of the speech front end.</summary>
    public const int SpeechRate = 16000;

    /// <summary><paramref name="clip"/> at <paramref name="rate"/> Hz (the same clip when it already is).</summary>
    public static AudioClip To(AudioClip clip, int rate = SpeechRate)
    {
        if (rate <= 0) throw new ArgumentOutOfRangeException(nameof(rate));
        if (clip.SampleRate == rate || clip.Samples.Length == 0) return clip with { SampleRate = rate };
        int g = Gcd(clip.SampleRate, rate);
        int up = rate / g, down = clip.SampleRate / g;                    // output n sits at input position n·down/up
        double cutoff = 0.5 * Math.Min(1.0, (double)rate / clip.SampleRate) * Rolloff;   // cycles per input sample
        int half = (int)Math.Ceiling(ZeroCrossings / (2 * cutoff));      // taps each side, in input samples
        int taps = 2 * half;
        var table = new float[up * taps];                                 // (phase, tap): weight of input base − half + 1 + j
        for (int p = 0; p < up; p++)
        {
            double frac = (double)p / up;
            for (int j = 0; j < taps; j++)
            {
                double t = frac - (j - half + 1);                          // output time minus input time, in input samples
                table[p * taps + j] = (float)(2 * cutoff * Sinc(2 * cutoff * t) * Blackman(t, half));
            }
        }
        var x = clip.Samples;
        long outLength = (long)x.Length * up / down;
        var y = new float[outLength];
        Parallel.For(0, (int)((outLength + 4095) / 4096), chunk =>
        {
            long end = Math.Min(outLength, (chunk + 1) * 4096L);
            for (long n = chunk * 4096L; n < end; n++)
            {
                long num = n * down;
                long b = num / up;
                int p = (int)(num % up);
                long start = b - half + 1;
                double sum = 0;
                int j0 = (int)Math.Max(0, -start), j1 = (int)Math.Min(taps, x.Length - start);
                for (int j = j0; j < j1; j++) sum += table[p * taps + j] * x[start + j];
                y[n] = (float)sum;
            }
        });
        return new AudioClip(y, rate);
    }

    private static double Sinc(double x) => Math.Abs(x) < 1e-12 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    /// <summary>Blackman window over t ∈ [−half, half] (zero outside).</summary>
    private static double Blackman(double t, int half)
    {
        if (Math.Abs(t) >= half) return 0;
        double u = (t + half) / (2.0 * half);                              // 0 … 1
        return 0.42 - 0.5 * Math.Cos(2 * Math.PI * u) + 0.08 * Math.Cos(4 * Math.PI * u);
    }

    private static int Gcd(int a, int b) { while (b != 0) (a, b) = (b, a % b); return a; }
}
