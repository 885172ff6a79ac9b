using System.Reflection;
using System.Text;
using EncDec.Speech.Audio;
using EncDec.Text;

namespace EncDec.Speech;

/// <summary>
/// The spoken-digit set shipped in <c>data/speech-digits</c> (embedded in this assembly): strings of digit words made
/// by espeak-ng with several voices, speeds and pitches plus sox noise, 8 kHz 8-bit WAV. Training clips hold 1–3
/// digits from six accents × seven voice variants; test clips 1–4 digits from two other accents and two other variants.
/// </summary>
public static class SpeechDigits
{
    public static readonly string[] Words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    /// <summary>A word tokenizer over <paramref name="words"/> that knows each word both first in a line and after a space.</summary>
    public static WordTokenizer WordTokenizerFor(IReadOnlyList<string> words)
        => WordTokenizer.Train(words.Select(w => $"{w} {w}"), 2 * words.Count + 16);

    public static IReadOnlyList<SpeechDigitClip> Load(SpeechDigitSplit split)
    {
        string name = split == SpeechDigitSplit.Train ? "train" : "test";
        var asm = typeof(SpeechDigits).Assembly;
        var clips = new List<SpeechDigitClip>();
        foreach (var line in ReadText(asm, $"speech-digits/{name}.tsv").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.TrimEnd('\r').Split('\t');
            using var s = asm.GetManifestResourceStream($"speech-digits/{parts[0]}") ?? throw new InvalidOperationException($"missing resource {parts[0]}");
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            clips.Add(new SpeechDigitClip(parts[0], WavReader.Parse(ms.ToArray(), parts[0]), parts[1]));
        }
        return clips;
    }

    private static string ReadText(Assembly asm, string resource)
    {
        using var s = asm.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"missing resource {resource}");
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }
}
