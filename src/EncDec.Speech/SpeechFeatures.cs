using EncDec.Speech.Audio;
using EncDec.Tensors;

namespace EncDec.Speech;

/// <summary>Audio → log-mel features, and padded log-mel batches for the speech model.</summary>
public static class SpeechFeatures
{
    /// <summary>A clip at any rate → its 16 kHz log-mel (mels, frames).</summary>
    public static SpeechExample FromClip(AudioClip clip, string text, LogMelSpectrogram frontEnd)
    {
        var mel = frontEnd.Compute(clip);
        return new SpeechExample(mel, mel.Length / frontEnd.Mels, text);
    }

    /// <summary>A WAV file → its log-mel (errors name the file).</summary>
    public static SpeechExample FromFile(string path, string text, LogMelSpectrogram frontEnd)
        => FromClip(WavReader.Read(path), text, frontEnd);

    /// <summary>Two utterances one after the other (their frames concatenated, transcripts joined by a space).</summary>
    public static SpeechExample Concat(SpeechExample a, SpeechExample b, int mels)
    {
        int t = a.Frames + b.Frames;
        var mel = new float[mels * t];
        for (int m = 0; m < mels; m++)
        {
            Array.Copy(a.Mel, m * a.Frames, mel, m * t, a.Frames);
            Array.Copy(b.Mel, m * b.Frames, mel, m * t + a.Frames, b.Frames);
        }
        return new SpeechExample(mel, t, a.Text + " " + b.Text);
    }

    /// <summary>Log-mels of different lengths → (N, mels, T_max) padded with zeros at the end, and each row's frames.</summary>
    public static (Tensor Mel, int[] Frames) Batch(IReadOnlyList<SpeechExample> examples, int mels)
    {
        int n = examples.Count, t = examples.Max(e => e.Frames);
        var x = Tensor.Zeros(n, mels, t);                                 // (N, mels, T)
        var span = x.Span;
        for (int i = 0; i < n; i++)
        {
            var e = examples[i];
            for (int m = 0; m < mels; m++) e.Mel.AsSpan(m * e.Frames, e.Frames).CopyTo(span.Slice((i * mels + m) * t, e.Frames));
        }
        return (x, examples.Select(e => e.Frames).ToArray());
    }
}
