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

    /// <summary>
    /// The clips of a folder made by <c>make_speech_digits.py</c>: <c>SPLIT.tsv</c> lines <c>FILE&lt;TAB&gt;TRANSCRIPT</c>, FILE
    /// relative to <paramref name="folder"/> (a missing or malformed file is one error naming it).
    /// </summary>
    public static IReadOnlyList<SpeechDigitClip> LoadFolder(string folder, SpeechDigitSplit split)
    {
        string tsv = Path.Combine(folder, split == SpeechDigitSplit.Train ? "train.tsv" : "test.tsv");
        if (!File.Exists(tsv)) throw new UserInputException(tsv, null, "no such file");
        var clips = new List<SpeechDigitClip>();
        var lines = File.ReadAllLines(tsv);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var parts = lines[i].Split('\t');
            if (parts.Length != 2) throw new UserInputException(tsv, i + 1, "expected FILE<TAB>TRANSCRIPT");
            clips.Add(new SpeechDigitClip(parts[0], WavReader.Read(Path.Combine(folder, parts[0])), parts[1]));
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
