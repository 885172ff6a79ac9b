using System.Buffers.Binary;

namespace EncDec.Speech.Audio;

/// <summary>Writes mono or interleaved multi-channel WAV files (PCM 8/16/24/32-bit or 32-bit float), atomically.</summary>
public static class WavWriter
{
    public static void Write(string path, AudioClip clip, WavSampleFormat format = WavSampleFormat.Pcm16)
        => AtomicFile.Write(path, s => s.Write(ToBytes(clip.Samples, clip.SampleRate, 1, format)));

    /// <summary>The bytes of a WAV file holding <paramref name="interleaved"/> samples (frames × channels) in [-1, 1].</summary>
    public static byte[] ToBytes(float[] interleaved, int sampleRate, int channels, WavSampleFormat format)
    {
        int width = WavReader.BytesPerSample(format), dataBytes = interleaved.Length * width;
        var b = new byte[44 + dataBytes];
        "RIFF"u8.CopyTo(b); BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)(36 + dataBytes));
        "WAVEfmt "u8.CopyTo(b.AsSpan(8)); BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(20), (ushort)(format == WavSampleFormat.Float32 ? 3 : 1));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(22), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(24), (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(28), (uint)(sampleRate * channels * width));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(32), (ushort)(channels * width));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(34), (ushort)(width * 8));
        "data"u8.CopyTo(b.AsSpan(36)); BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(40), (uint)dataBytes);
        var s = b.AsSpan(44);
        for (int i = 0; i < interleaved.Length; i++)
        {
            double v = Math.Clamp(interleaved[i], -1f, 1f);
            var o = s.Slice(i * width, width);
            switch (format)
            {
                case WavSampleFormat.Pcm8: o[0] = (byte)Math.Clamp(Math.Round(v * 128 + 128), 0, 255); break;
                case WavSampleFormat.Pcm16: BinaryPrimitives.WriteInt16LittleEndian(o, (short)Math.Clamp(Math.Round(v * 32768), -32768, 32767)); break;
                case WavSampleFormat.Pcm24:
                    int x = (int)Math.Clamp(Math.Round(v * 8388608), -8388608, 8388607);
                    o[0] = (byte)x; o[1] = (byte)(x >> 8); o[2] = (byte)(x >> 16); break;
                case WavSampleFormat.Pcm32: BinaryPrimitives.WriteInt32LittleEndian(o, (int)Math.Clamp(Math.Round(v * 2147483648.0), int.MinValue, int.MaxValue)); break;
                default: BinaryPrimitives.WriteSingleLittleEndian(o, (float)v); break;
            }
        }
        return b;
    }
}
