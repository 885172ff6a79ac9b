using System.Buffers.Binary;
using EncDec.Speech.Audio;
using Xunit;

namespace EncDec.Tests.Speech;

public class WavReaderTests
{
    private static readonly float[] Values = [0f, 0.5f, -0.5f, 0.25f, -1f, 0.99f, 0.123f, -0.0625f];

    [Theory]
    [InlineData(WavSampleFormat.Pcm8, 1.0 / 128)]
    [InlineData(WavSampleFormat.Pcm16, 1.0 / 32768)]
    [InlineData(WavSampleFormat.Pcm24, 1.0 / 8388608)]
    [InlineData(WavSampleFormat.Pcm32, 1e-7)]
    [InlineData(WavSampleFormat.Float32, 0)]
    public void ReadsEachFormatBackWithinItsQuantisation(WavSampleFormat format, double step)
    {
        using var dir = new TempDir();
        var path = dir.WriteBytes("a.wav", WavWriter.ToBytes(Values, 22050, 1, format));
        var clip = WavReader.Read(path);
        Assert.Equal(22050, clip.SampleRate);
        Assert.Equal(Values.Length, clip.Samples.Length);
        for (int i = 0; i < Values.Length; i++) Assert.True(Math.Abs(clip.Samples[i] - Values[i]) <= step / 2 + 1e-7, $"{format} sample {i}: {clip.Samples[i]} vs {Values[i]}");
        Assert.Equal(-1f, clip.Samples[4]);                                  // full-scale negative is exact in every format
    }

    [Fact]
    public void StereoIsMixedDownToTheChannelMean()
    {
        var bytes = WavWriter.ToBytes([0.5f, -0.25f, 1f, 1f, -0.5f, 0f], 48000, 2, WavSampleFormat.Pcm16);
        var clip = WavReader.Parse(bytes, "s.wav");
        Assert.Equal(3, clip.Samples.Length);
        Assert.Equal(0.125f, clip.Samples[0], 4);
        Assert.Equal(1f, clip.Samples[1], 4);
        Assert.Equal(-0.25f, clip.Samples[2], 4);
    }

    [Fact]
    public void SkipsOtherChunksAndReadsExtensibleFormat()
    {
        var plain = WavWriter.ToBytes([0.25f, -0.75f], 16000, 1, WavSampleFormat.Float32);
        // LIST chunk of odd size (padded) before fmt, and fmt as WAVE_FORMAT_EXTENSIBLE (40 bytes, sub-format float)
        var list = new byte[8 + 5 + 1];
        "LIST"u8.CopyTo(list); BinaryPrimitives.WriteUInt32LittleEndian(list.AsSpan(4), 5);
        var fmt = new byte[8 + 40];
        "fmt "u8.CopyTo(fmt); BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(4), 40);
        plain.AsSpan(20, 16).CopyTo(fmt.AsSpan(8));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(8), 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(8 + 16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(8 + 24), 3);
        var data = plain.AsSpan(36).ToArray();
        var file = "RIFF\0\0\0\0WAVE"u8.ToArray().Concat(list).Concat(fmt).Concat(data).ToArray();
        var clip = WavReader.Parse(file, "x.wav");
        Assert.Equal(new[] { 0.25f, -0.75f }, clip.Samples);
        Assert.Equal(16000, clip.SampleRate);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "notriff", "no RIFF/WAVE header" },
        { "truncated", "truncated data" },
        { "partialframe", "whole number" },
        { "nofmt", "data chunk before the fmt chunk" },
        { "nodata", "no data chunk" },
        { "bits12", "12-bit PCM samples are not supported" },
        { "alaw", "format tag 6" },
        { "zerochannels", "0 channels" },
        { "shortfmt", "fmt chunk" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFilesAreOneLineErrorsNamingTheFile(string kind, string expected)
    {
        var good = WavWriter.ToBytes([0.1f, 0.2f, 0.3f, 0.4f], 8000, 1, WavSampleFormat.Pcm16);
        byte[] b = (byte[])good.Clone();
        switch (kind)
        {
            case "notriff": b[0] = (byte)'X'; break;
            case "truncated": b = good[..^3]; break;
            case "partialframe": BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(40), 7); b = b[..(44 + 7)]; break;
            case "nofmt": b = good[..12].Concat(good[36..]).ToArray(); break;
            case "nodata": b = good[..36]; break;
            case "bits12": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(34), 12); break;
            case "alaw": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(20), 6); break;
            case "zerochannels": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(22), 0); break;
            case "shortfmt": BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), 12); break;
        }
        using var dir = new TempDir();
        var path = dir.WriteBytes("bad.wav", b);
        var e = Assert.Throws<UserInputException>(() => WavReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingFileIsAnError()
    {
        var e = Assert.Throws<UserInputException>(() => WavReader.Read("/nonexistent/x.wav"));
        Assert.Contains("/nonexistent/x.wav", e.Message);
        Assert.Contains("not found", e.Message);
    }
}
