using EncDec.Speech.Audio;
using Xunit;

namespace EncDec.Tests.Speech;

public class ResamplerTests
{
    private static AudioClip Sine(double hz, int rate, double seconds, double amplitude = 0.5)
        => new(Enumerable.Range(0, (int)(rate * seconds)).Select(i => (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / rate))).ToArray(), rate);

    /// <summary>The largest difference from the ideal sine at the new rate, away from the clip's edges.</summary>
    private static double MaxError(AudioClip y, double hz, double amplitude = 0.5)
    {
        int edge = y.SampleRate / 20;
        double max = 0;
        for (int i = edge; i < y.Samples.Length - edge; i++)
            max = Math.Max(max, Math.Abs(y.Samples[i] - amplitude * Math.Sin(2 * Math.PI * hz * i / y.SampleRate)));
        return max;
    }

    private static double Rms(float[] x, int edge) => Math.Sqrt(x.Skip(edge).Take(x.Length - 2 * edge).Average(v => (double)v * v));

    [Theory]
    [InlineData(8000, 440.0)]
    [InlineData(22050, 1000.0)]
    [InlineData(44100, 3000.0)]
    [InlineData(48000, 250.0)]
    public void ASineIsTheSameSineAt16kHz(int rate, double hz)
    {
        var y = Resampler.To(Sine(hz, rate, 0.5));
        Assert.Equal(16000, y.SampleRate);
        Assert.Equal(8000, y.Samples.Length);
        double err = MaxError(y, hz);
        Assert.True(err < 2e-3, $"{rate} Hz → 16 kHz, {hz} Hz tone: max error {err}");
    }

    [Fact]
    public void DownsamplingRemovesWhatTheNewRateCannotHold()
    {
        var y = Resampler.To(Sine(11000, 48000, 0.5));                      // above 16 kHz's Nyquist (8 kHz): would alias to 5 kHz
        double rms = Rms(y.Samples, 800);
        Assert.True(rms < 2e-3, $"rms {rms} of an 11 kHz tone after 48 → 16 kHz");
    }

    [Fact]
    public void SameRateIsUnchanged()
    {
        var x = Sine(300, 16000, 0.1);
        Assert.Same(x.Samples, Resampler.To(x).Samples);
    }
}
