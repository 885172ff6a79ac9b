using EncDec.Speech.Audio;
using Xunit;

namespace EncDec.Tests.Speech;

/// <summary>The log-mel front end against torch.stft + the Slaney mel matrix (tests/fixtures/make_speech_fixtures.py).</summary>
public class LogMelTests
{
    private static void Close(float[] expected, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0; int at = 0;
        for (int i = 0; i < expected.Length; i++) { double d = Math.Abs(expected[i] - actual[i]); if (d > max) { max = d; at = i; } }
        Assert.True(max <= tol, $"{what}: max difference {max} at {at} ({actual[at]} vs {expected[at]})");
    }

    [Fact]
    public void MelFilterBankMatchesTheSlaneyMatrix()
    {
        var fx = Fixtures.Load("speech");
        Assert.Equal(new[] { 80, 201 }, fx["logmel.filters"].Shape);
        Close(fx["logmel.filters"].Data, MelFilterBank.Create(16000, 400, 80), 1e-6, "mel filters");
    }

    [Fact]
    public void LogMelMatchesTorchStft()
    {
        var fx = Fixtures.Load("speech");
        var audio = fx["logmel.audio"].Data;
        var y = new LogMelSpectrogram().Compute(audio);
        Assert.Equal(new[] { 80, 30 }, fx["logmel.y"].Shape);               // 4,800 samples → 30 frames
        Assert.Equal(30, LogMelSpectrogram.Frames(audio.Length));
        Close(fx["logmel.y"].Data, y, 1e-4, "log-mel");
    }

    [Fact]
    public void SilenceIsTheFloor()
    {
        var fx = Fixtures.Load("speech");
        var y = new LogMelSpectrogram().Compute(new float[1000]);
        Close(fx["logmel_silence.y"].Data, y, 1e-6, "silence");
        Assert.All(y, v => Assert.Equal(-1.5f, v));                          // (log10(1e-10) + 4) / 4
    }

    [Fact]
    public void ClipsAtOtherRatesAreResampledFirst()
    {
        var x16 = Enumerable.Range(0, 8000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 700 * i / 16000.0))).ToArray();
        var x8 = Enumerable.Range(0, 4000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 700 * i / 8000.0))).ToArray();
        var front = new LogMelSpectrogram();
        var a = front.Compute(new AudioClip(x16, 16000));
        var b = front.Compute(new AudioClip(x8, 8000));
        Assert.Equal(a.Length, b.Length);
        // the 700 Hz band dominates both; away from the edges frames agree closely
        int frames = a.Length / 80;
        double max = 0;
        for (int m = 0; m < 80; m++) for (int f = 5; f < frames - 5; f++) max = Math.Max(max, Math.Abs(a[m * frames + f] - b[m * frames + f]) * (a[m * frames + f] > 0 ? 1 : 0));
        Assert.True(max < 0.05, $"max difference {max} in the bands above the floor");
    }
}
