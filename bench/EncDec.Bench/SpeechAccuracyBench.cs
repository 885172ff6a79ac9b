using System.Globalization;
using System.Text.Json;
using EncDec.Speech;
using EncDec.Speech.Training;

namespace EncDec.Bench;

/// <summary>
/// <c>bench accuracy --task speech-digits</c>: the demo's spoken-digits recipe (shipped espeak-ng clips, Whisper-style
/// model) trained on the training voices for <c>--steps N</c> (default 3000) or <c>--minutes M</c> (default 10, the
/// issue's budget), then WER/CER on all 80 clips of the held-out voices, per decoding (the decoder's greedy output and,
/// with a CTC weight (default 0.3), the CTC head's best path and the joint CTC/attention rescoring of the beam, the primary figure). Prints one JSON line. Options for experiments:
/// <c>--ctc-weight W</c>, <c>--d D</c>, <c>--enc-layers N</c>, <c>--dec-layers N</c>, <c>--batch B</c>, <c>--lr LR</c>,
/// <c>--warmup N</c>, <c>--concat P</c>, <c>--no-augment</c>, <c>--seed S</c>, <c>--speeds 0.9,1,1.1</c> (speed perturbation),
/// <c>--warp W</c> (frequency warp), <c>--bucket K</c> (length-sorted batches), <c>--beam N</c> and <c>--decode-ctc-weight W</c>
/// (joint CTC/attention rescoring), <c>--train-clips N</c> (default 3000: that many extra training clips of more voice
/// variants made by espeak-ng, <see cref="SpeechDigitsGenerated"/>; 0 = the shipped clips only). Per decoding the JSON line holds WER, CER and the word edits (S, D, I).
/// </summary>
public static class SpeechAccuracyBench
{
    public static void Run(string[] args)
    {
        double D(string name, double fallback) => BenchArgs.Double(args, name, fallback);
        var defaults = new SpeechDigitsOptions();
        var o = defaults with
        {
            Steps = BenchArgs.Int(args, "--steps", 3000), MaxMinutes = D("--minutes", 10), Seed = BenchArgs.Int(args, "--seed", 1),
            DModel = BenchArgs.Int(args, "--d", defaults.DModel), EncoderLayers = BenchArgs.Int(args, "--enc-layers", defaults.EncoderLayers),
            DecoderLayers = BenchArgs.Int(args, "--dec-layers", defaults.DecoderLayers), BatchSize = BenchArgs.Int(args, "--batch", defaults.BatchSize),
            Lr = D("--lr", defaults.Lr), Warmup = BenchArgs.Int(args, "--warmup", defaults.Warmup), CtcWeight = D("--ctc-weight", defaults.CtcWeight),
            ConcatChance = D("--concat", defaults.ConcatChance), Beam = BenchArgs.Int(args, "--beam", defaults.Beam),
            DecodeCtcWeight = D("--decode-ctc-weight", defaults.DecodeCtcWeight), BucketBatches = BenchArgs.Int(args, "--bucket", defaults.BucketBatches),
            Warp = new() { MaxWarp = D("--warp", defaults.Warp.MaxWarp) },
            SpeedFactors = BenchArgs.String(args, "--speeds") is { } sp ? sp.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray() : defaults.SpeedFactors,
        };
        int extra = BenchArgs.Int(args, "--train-clips", 3000);
        o = o with { ExtraTrainFolder = SpeechDigitsGenerated.Folder(extra, Console.Error.WriteLine) };
        if (BenchArgs.Flag(args, "--no-augment")) o = o with { Augment = o.Augment with { FrequencyMasks = 0, TimeMasks = 0 } };
        int testSize = SpeechDigits.Load(SpeechDigitSplit.Test).Count;
        var r = SpeechDigitsRecipe.Run(o, testSize, Console.Error.WriteLine, (step, loss) =>
        {
            if (step % 10 == 0) Console.Error.WriteLine($"step {step} loss {loss:F4}");
        });
        var line = new Dictionary<string, object>
        {
            ["bench"] = "accuracy", ["task"] = "speech-digits", ["steps"] = r.Train.Steps, ["seconds"] = Math.Round(r.Train.Seconds, 1),
            ["ms_per_step"] = Math.Round(1000 * r.Train.Seconds / Math.Max(1, r.Train.Steps), 1), ["loss"] = float.IsFinite(r.Train.Loss) ? Math.Round(r.Train.Loss, 4) : null!,
            ["params"] = r.Model.ParameterCount, ["d_model"] = r.Config.DModel, ["ctc_weight"] = o.CtcWeight, ["batch"] = o.BatchSize, ["lr"] = o.Lr,
            ["test_clips"] = r.References.Length, ["extra_train_clips"] = o.ExtraTrainFolder is null ? 0 : extra,
        };
        foreach (var d in r.Hypotheses.Keys)
        {
            string k = d.ToString().ToLowerInvariant();
            line[$"wer_{k}"] = Math.Round(r.Wer(d).Rate, 4);
            line[$"cer_{k}"] = Math.Round(r.Cer(d).Rate, 4);
            var w = r.Wer(d);
            line[$"words_{k}"] = $"S {w.Substitutions} D {w.Deletions} I {w.Insertions} of {w.ReferenceLength}";
        }
        line["wer"] = Math.Round(r.Wer(r.Primary).Rate, 4);
        line["cer"] = Math.Round(r.Cer(r.Primary).Rate, 4);
        Console.WriteLine(JsonSerializer.Serialize(line));
    }
}
