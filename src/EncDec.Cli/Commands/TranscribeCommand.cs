using System.CommandLine;
using EncDec.Generation;
using EncDec.IO;
using EncDec.Models;
using EncDec.Speech;
using EncDec.Speech.Audio;
using EncDec.Speech.Training;

namespace EncDec.Cli.Commands;

/// <summary>
/// <c>encdec transcribe --model RUN audio.wav …</c>: reads each WAV file (any common rate, mono or stereo), computes
/// its log-mel and decodes it with the speech model (greedy, or beam search with <c>--beam</c>); prints
/// <c>FILE&lt;TAB&gt;TEXT</c> per file, in the order given. Every file is read before anything is decoded, so a bad
/// file fails at once with one line naming it.
/// </summary>
internal static class TranscribeCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Run folder or model file of a speech model", Required = true };
        var beam = new Option<int>("--beam") { Description = "Beam size (1 = greedy)", DefaultValueFactory = _ => 1 };
        var maxLength = new Option<int>("--max-length") { Description = "Most output tokens per file", DefaultValueFactory = _ => 64 };
        var decode = new Option<string>("--decode") { Description = "attention (the decoder, greedy or --beam) | ctc (the CTC head's best path; a model trained with --ctc-weight)", DefaultValueFactory = _ => "attention" };
        var files = new Argument<string[]>("audio") { Description = "WAV files", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("transcribe", "Transcribe WAV files with a trained speech model.") { model, beam, maxLength, decode, files };
        cmd.SetAction(r => Run(r.GetValue(model)!, r.GetValue(files)!, r.GetValue(beam), r.GetValue(maxLength), stdout,
                               CliEnum.Parse<SpeechDecoding>(r.GetValue(decode)!, "--decode", "decoding")));
        return cmd;
    }

    public static int Run(string modelPath, string[] files, int beam, int maxLength, TextWriter stdout, SpeechDecoding decoding = SpeechDecoding.Attention)
    {
        if (beam is < 1 or > 64) throw new UserInputException($"--beam must be in [1, 64], got {beam}");
        if (maxLength is < 1 or > 10_000) throw new UserInputException($"--max-length must be in [1, 10000], got {maxLength}");
        var loaded = ModelStore.Load(modelPath);
        if (loaded.Model is not SpeechToSequenceModel speech)
            throw new UserInputException(loaded.Path, null, $"a {loaded.Config.Family} model cannot transcribe audio (train a speech model)");
        if (decoding == SpeechDecoding.Ctc && speech.CtcHead is null)
            throw new UserInputException(loaded.Path, null, "--decode ctc: this model has no CTC head (train it with --ctc-weight)");
        var tokenizer = loaded.TargetTokenizer ?? throw new UserInputException(loaded.Path, null, "the checkpoint has no tokenizer");
        var front = new LogMelSpectrogram(speech.MelBins);
        int maxFrames = loaded.Config.Speech!.MaxFrames;
        var examples = files.Select(f =>
        {
            var e = SpeechFeatures.FromFile(f, "", front);
            if (e.Frames > maxFrames)
                throw new UserInputException(f, null, $"{e.Frames / 100.0:F1} s of audio is longer than the model's {maxFrames / 100.0:F1} s");
            return e;
        }).ToArray();
        var options = beam == 1
            ? new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = maxLength }
            : new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = beam, MaxLength = maxLength };
        var texts = decoding == SpeechDecoding.Ctc
            ? SpeechTrainer.DecodeCtc(speech, tokenizer, examples, batch: 16)
            : SpeechTrainer.Decode(speech, tokenizer, examples, options, batch: 16);
        for (int i = 0; i < files.Length; i++) stdout.WriteLine($"{files[i]}\t{texts[i]}");
        return 0;
    }
}
