using EncDec.Speech.Audio;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Speech;

public class SpecAugmentTests
{
    private static float[] Ramp(int mels, int frames) => Enumerable.Range(0, mels * frames).Select(i => (float)i).ToArray();

    [Fact]
    public void FrequencyMaskFillsWholeBandsWithTheMean()
    {
        const int mels = 20, frames = 50;
        var x = Ramp(mels, frames);
        var aug = new SpecAugment { FrequencyMasks = 1, MaxFrequencyWidth = 6, TimeMasks = 0 };
        var y = aug.Apply(x, mels, new Rng(3));
        float mean = x.Average();
        var masked = Enumerable.Range(0, mels).Where(m => Enumerable.Range(0, frames).All(f => y[m * frames + f] == mean)).ToArray();
        var kept = Enumerable.Range(0, mels).Where(m => Enumerable.Range(0, frames).All(f => y[m * frames + f] == x[m * frames + f])).ToArray();
        Assert.InRange(masked.Length, 1, 6);
        Assert.Equal(mels, masked.Length + kept.Length);                    // every row is either masked or untouched
        Assert.Equal(masked.Length - 1, masked[^1] - masked[0]);            // one contiguous band
    }

    [Fact]
    public void TimeMaskFillsContiguousFramesInEveryBand()
    {
        const int mels = 8, frames = 100;
        var x = Ramp(mels, frames);
        var aug = new SpecAugment { FrequencyMasks = 0, TimeMasks = 1, MaxTimeWidth = 10, MaxTimeFraction = 0.2 };
        var y = aug.Apply(x, mels, new Rng(5));
        float mean = x.Average();
        var maskedFrames = Enumerable.Range(0, frames).Where(f => Enumerable.Range(0, mels).All(m => y[m * frames + f] == mean)).ToArray();
        Assert.InRange(maskedFrames.Length, 1, 10);
        Assert.Equal(maskedFrames.Length - 1, maskedFrames[^1] - maskedFrames[0]);
        Assert.Equal(mels * (frames - maskedFrames.Length), Enumerable.Range(0, x.Length).Count(i => y[i] == x[i]));
    }

    [Fact]
    public void SeededAndLeavesTheInputAlone()
    {
        var x = Ramp(80, 60);
        var copy = (float[])x.Clone();
        var aug = new SpecAugment();
        var a = aug.Apply(x, 80, new Rng(7));
        var b = aug.Apply(x, 80, new Rng(7));
        var c = aug.Apply(x, 80, new Rng(8));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(copy, x);
    }
}
