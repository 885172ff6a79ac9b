using System.Buffers.Binary;

namespace EncDec.Speech.Audio;

/// <summary>
/// Reads RIFF/WAVE files: PCM 8 (unsigned), 16, 24 and 32-bit integers and 32-bit IEEE float (format tags 1, 3 and
/// WAVE_FORMAT_EXTENSIBLE with one of those sub-formats), any channel count (averaged down to mono) and any sample rate.
/// Chunks other than <c>fmt </c> and <c>data</c> are skipped. A malformed header or truncated data is a
/// <see cref="UserInputException"/> naming the file.
/// </summary>
public static class WavReader
{
    /// <summary>The most channels a file may have.</summary>
    public const int MaxChannels = 64;

    public static AudioClip Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new UserInputException(path, null, "audio file not found"); }
        catch (DirectoryNotFoundException) { throw new UserInputException(path, null, "audio file not found"); }
        catch (UnauthorizedAccessException) { throw new UserInputException(path, null, "audio file cannot be read (permission denied, or a folder)"); }
        return Parse(bytes, path);
    }

    /// <summary>Parses a whole WAV file's bytes; <paramref name="source"/> names it in errors.</summary>
    public static AudioClip Parse(ReadOnlySpan<byte> b, string source)
    {
        UserInputException Bad(string msg) => new(source, null, msg);
        if (b.Length < 12 || !b[..4].SequenceEqual("RIFF"u8) || !b.Slice(8, 4).SequenceEqual("WAVE"u8))
            throw Bad("not a WAV file (no RIFF/WAVE header)");
        int pos = 12;
        (WavSampleFormat Format, int Channels, int Rate, int Block)? fmt = null;
        while (pos + 8 <= b.Length)
        {
            var id = b.Slice(pos, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(pos + 4, 4));
            int body = pos + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + size > b.Length) throw Bad($"truncated or short fmt chunk ({size} bytes)");
                fmt = ParseFormat(b.Slice(body, (int)size), Bad);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (fmt is not { } f) throw Bad("data chunk before the fmt chunk");
                long available = b.Length - body;
                long length = size == uint.MaxValue ? available : size;     // streamed files leave the size unset
                if (length > available) throw Bad($"truncated data: the data chunk says {size} bytes but only {available} follow");
                if (length % f.Block != 0) throw Bad($"truncated data: {length} bytes is not a whole number of {f.Block}-byte frames");
                return new AudioClip(Decode(b.Slice(body, (int)length), f.Format, f.Channels), f.Rate);
            }
            long next = (long)body + size + (size & 1);                      // chunks are padded to even sizes
            if (next > b.Length) throw Bad($"truncated chunk '{Printable(id)}' ({size} bytes) at byte {pos}");
            pos = (int)next;
        }
        throw Bad(fmt is null ? "no fmt chunk" : "no data chunk");
    }

    private static (WavSampleFormat, int, int, int) ParseFormat(ReadOnlySpan<byte> f, Func<string, UserInputException> bad)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(f);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(f[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(f[4..]);
        int block = BinaryPrimitives.ReadUInt16LittleEndian(f[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(f[14..]);
        if (tag == 0xFFFE)
        {
            if (f.Length < 40) throw bad("WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes");
            tag = BinaryPrimitives.ReadUInt16LittleEndian(f[24..]);          // the sub-format GUID starts with the format tag
        }
        if (channels is < 1 or > MaxChannels) throw bad($"{channels} channels (expected 1 to {MaxChannels})");
        if (rate is < 1000 or > 768_000) throw bad($"sample rate {rate} Hz (expected 1,000 to 768,000)");
        WavSampleFormat format = (tag, bits) switch
        {
            (1, 8) => WavSampleFormat.Pcm8, (1, 16) => WavSampleFormat.Pcm16, (1, 24) => WavSampleFormat.Pcm24, (1, 32) => WavSampleFormat.Pcm32,
            (3, 32) => WavSampleFormat.Float32,
            (1 or 3, _) => throw bad($"{bits}-bit {(tag == 1 ? "PCM" : "float")} samples are not supported (PCM 8/16/24/32-bit or 32-bit float)"),
            _ => throw bad($"audio format tag {tag} is not supported (PCM or IEEE float)"),
        };
        if (block != channels * (bits / 8)) throw bad($"block align {block} does not match {channels} channels of {bits}-bit samples");
        return (format, channels, (int)rate, block);
    }

    private static float[] Decode(ReadOnlySpan<byte> data, WavSampleFormat format, int channels)
    {
        int width = BytesPerSample(format);
        int frames = data.Length / (width * channels);
        var mono = new float[frames];
        float scale = 1f / channels;
        for (int i = 0, o = 0; i < frames; i++)
        {
            float sum = 0;
            for (int c = 0; c < channels; c++, o += width) sum += Sample(data.Slice(o, width), format);
            mono[i] = sum * scale;
        }
        return mono;
    }

    internal static int BytesPerSample(WavSampleFormat f) => f switch
    {
        WavSampleFormat.Pcm8 => 1, WavSampleFormat.Pcm16 => 2, WavSampleFormat.Pcm24 => 3, _ => 4,
    };

    private static float Sample(ReadOnlySpan<byte> s, WavSampleFormat f) => f switch
    {
        WavSampleFormat.Pcm8 => (s[0] - 128) / 128f,
        WavSampleFormat.Pcm16 => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
        WavSampleFormat.Pcm24 => ((s[0] | s[1] << 8 | s[2] << 16) << 8 >> 8) / 8388608f,
        WavSampleFormat.Pcm32 => (float)(BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648.0),
        _ => BinaryPrimitives.ReadSingleLittleEndian(s),
    };

    private static string Printable(ReadOnlySpan<byte> id)
    {
        var chars = new char[id.Length];
        for (int i = 0; i < id.Length; i++) chars[i] = id[i] is >= 32 and < 127 ? (char)id[i] : '?';
        return new string(chars);
    }
}
