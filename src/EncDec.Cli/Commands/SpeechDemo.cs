using System.Globalization;
using System.Text;
using EncDec.IO;
using EncDec.Speech;
using EncDec.Speech.Training;

namespace EncDec.Cli.Commands;

/// <summary>The speech tasks of <c>encdec demo --task …</c>.</summary>
internal enum SpeechTask { SpeechDigits }

/// <summary>
/// <c>encdec demo --task speech-digits</c>: the shipped espeak-ng digit strings → their words. A Whisper-style
/// encoder (two Conv1d + GELU over log-mels, Transformer encoder) with the Transformer decoder, trained on the
/// training voices (SpecAugment, and pairs of clips joined into longer strings), scored by WER/CER on the clips of the
/// held-out voices; writes the model (config + tokenizer, loadable by <c>encdec transcribe</c>) and the transcripts.
/// </summary>
internal static class SpeechDemo
{
    public static bool TryParse(string task, out SpeechTask t)
    {
        switch (task.ToLowerInvariant())
        {
            case "speech-digits": t = SpeechTask.SpeechDigits; return true;
            default: t = default; return false;
        }
    }

    public sealed record Options(SpeechTask Task, string Out, int TestSize, int Steps, double MaxMinutes, int Seed, bool Quick);

    /// <summary>The recipe's settings for the demo's flags (the defaults, or a tiny model with --quick).</summary>
    public static SpeechDigitsOptions RecipeOptions(Options o) => new()
    {
        Steps = o.Steps, MaxMinutes = o.MaxMinutes, Seed = o.Seed, Quick = o.Quick,
    };

    public static int Run(Options o, TextWriter stdout, CancellationToken cancel)
    {
        var ui = new Ui(stdout);
        CliPaths.CreateRunFolder(o.Out, "--out");
        var ro = RecipeOptions(o);
        int testSize = Math.Min(SpeechDigits.Load(SpeechDigitSplit.Test).Count, o.Quick ? Math.Min(o.TestSize, 8) : o.TestSize);
        ui.Line("task speech-digits: spoken digit strings made by espeak-ng + sox noise (data/speech-digits); training clips 1-3 digits "
                + "(training voices), test clips 1-4 digits (held-out voices); model speech-to-sequence (Whisper-style: 2 × Conv1d + GELU, "
                + "Transformer encoder + decoder)");
        int lastShown = 0, total = ro.Quick && ro.Steps <= 0 ? 20 : ro.Steps > 0 ? ro.Steps : 3000;
        var result = SpeechDigitsRecipe.Run(ro, testSize, ui.Line, (step, loss) =>
        {
            if (step - lastShown >= Math.Max(1, total / 10) || step == total) { ui.Line($"  step {step,5}  loss {loss:F4}"); lastShown = step; }
        }, cancel);
        var report = result.Train;
        ui.Line($"trained {report.Steps} steps in {report.Seconds:F1} s");
        var decoding = result.Primary;
        var hyps = result.Hypotheses[decoding];
        var refs = result.References;
        var testClips = result.TestClips;
        var wer = result.Wer(decoding);
        var cer = result.Cer(decoding);
        ui.Table("results on held-out voices", new (string, string)[]
        {
            ("WER", $"{wer.Rate * 100:F2}% (S {wer.Substitutions}, D {wer.Deletions}, I {wer.Insertions}; {wer.ReferenceLength} words)"),
            ("CER", $"{cer.Rate * 100:F2}%"),
            ("exact match", $"{hyps.Zip(refs).Count(p => p.First == p.Second)}/{testSize}"),
            ("training time", $"{report.Seconds:F1} s"),
            ("steps", report.Steps.ToString(CultureInfo.InvariantCulture)),
        });
        var (model, config, tok) = (result.Model, result.Config, result.Tokenizer);
        ModelStore.Save(Path.Combine(o.Out, "model.safetensors"), model, config, null, tok, report.Steps);
        var lines = new StringBuilder();
        for (int i = 0; i < testSize; i++) lines.AppendLine($"{testClips[i].Name}\t{hyps[i]}\t{refs[i]}");
        AtomicFile.WriteAllText(Path.Combine(o.Out, "test.tsv"), lines.ToString());
        for (int i = 0; i < Math.Min(6, testSize); i++)
            ui.Line($"{testClips[i].Name}: output \"{hyps[i]}\"  reference \"{refs[i]}\"  {(hyps[i] == refs[i] ? "(correct)" : "(wrong)")}");
        ui.Line($"run folder: {o.Out} (model.safetensors, test.tsv: file, output, reference)");
        ui.Line($"WER: {wer.Rate * 100:F2}%  CER: {cer.Rate * 100:F2}%");
        return 0;
    }
}
