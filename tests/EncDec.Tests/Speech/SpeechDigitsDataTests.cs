using EncDec.Speech;
using Xunit;

namespace EncDec.Tests.Speech;

/// <summary>The shipped spoken-digit set: present, small, well-formed, digit words only, test voices separate.</summary>
public class SpeechDigitsDataTests
{
    [Fact]
    public void ShippedSetLoadsWithDigitTranscripts()
    {
        var train = SpeechDigits.Load(SpeechDigitSplit.Train);
        var test = SpeechDigits.Load(SpeechDigitSplit.Test);
        Assert.True(train.Count >= 300, $"{train.Count} training clips");
        Assert.True(test.Count >= 60, $"{test.Count} test clips");
        foreach (var c in train.Concat(test))
        {
            Assert.Equal(8000, c.Audio.SampleRate);
            Assert.InRange(c.Audio.Seconds, 0.2, 4.0);
            Assert.All(c.Text.Split(' '), w => Assert.Contains(w, SpeechDigits.Words));
        }
        Assert.All(train, c => Assert.InRange(c.Text.Split(' ').Length, 1, 3));
        Assert.Contains(test, c => c.Text.Split(' ').Length == 4);
        long bytes = Directory.EnumerateFiles(Path.Combine(LayeringTests.RepoRoot(), "data", "speech-digits"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var tok = SpeechDigits.WordTokenizerFor(SpeechDigits.Words);
        Assert.All(train.Concat(test), c => Assert.Equal(c.Text, tok.Decode(tok.Encode(c.Text))));
        Assert.DoesNotContain(EncDec.Text.Vocabulary.UnkId, tok.Encode("four zero nine"));
        Assert.True(bytes < 3_000_000, $"the shipped set is {bytes} bytes");
    }
}
