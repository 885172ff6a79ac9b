using System.Text.Json;
using EncDec.IO;
using EncDec.Models;
using EncDec.Speech.Audio;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary><c>encdec train --task speech</c>: a run folder like text train's (checkpoints, metrics.jsonl, resume) and its user mistakes.</summary>
[Collection(CliCollection.Name)]
public class SpeechTrainCliTests
{
    /// <summary>Two "utterances" (tones of different pitch) in a folder with their transcripts.</summary>
    private static (string Audio, string Transcripts) Corpus(TempDir dir)
    {
        static AudioClip Tone(double hz, int rate) => new(Enumerable.Range(0, rate / 5)
            .Select(i => (float)(0.4 * Math.Sin(2 * Math.PI * hz * i / rate))).ToArray(), rate);
        var audio = Path.Combine(dir.Path, "wav");
        Directory.CreateDirectory(audio);
        WavWriter.Write(Path.Combine(audio, "low.wav"), Tone(300, 8000), WavSampleFormat.Pcm16);
        WavWriter.Write(Path.Combine(audio, "high.wav"), Tone(2000, 16000), WavSampleFormat.Pcm16);
        return (audio, dir.Write("transcripts.tsv", "low.wav\tone\nhigh.wav\ttwo three\n"));
    }

    private static string[] Tiny(string audio, string transcripts, string run, int steps) =>
    [
        "train", "--task", "speech", "--audio", audio, "--transcripts", transcripts, "--valid-transcripts", transcripts, "--out", run,
        "--tokenizer", "word", "--d-model", "32", "--layers", "1", "--heads", "4", "--feed-forward", "64", "--dropout", "0", "--lr", "0.003",
        "--warmup", "5", "--batch-size", "2", "--max-steps", steps.ToString(), "--checkpoint-every", "20", "--log-every", "10", "--ctc-weight", "0.3", "--seed", "5",
    ];

    [Fact]
    public void TrainsWritesARunFolderResumesAndTranscribes()
    {
        using var dir = new TempDir();
        var (audio, transcripts) = Corpus(dir);
        var run = Path.Combine(dir.Path, "run");
        var first = CliRunner.Ok(Tiny(audio, transcripts, run, 60));
        Assert.Contains("2 training clips", first.Stdout);
        Assert.Contains("validation (2 clips): WER 0.00%  CER 0.00%", first.Stdout);
        var lines = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(6, lines.Count(l => l.GetProperty("type").GetString() == "step"));
        var validLine = lines.Single(l => l.GetProperty("type").GetString() == "valid");
        Assert.Equal(0.0, validLine.GetProperty("wer").GetDouble());
        Assert.Equal(new[] { "step_00000020.safetensors", "step_00000040.safetensors", "step_00000060.safetensors" },
                     Directory.GetFiles(Path.Combine(run, "checkpoints")).Select(Path.GetFileName).Order().ToArray());
        var loaded = ModelStore.Load(run);
        Assert.True(Assert.IsType<SpeechToSequenceModel>(loaded.Model).CtcHead is not null);
        Assert.Equal(60L, loaded.Step);
        Assert.Equal($"{Path.Combine(audio, "high.wav")}\ttwo three\n",
                     CliRunner.Ok("transcribe", "--model", run, Path.Combine(audio, "high.wav")).Stdout);
        var ctcLine = CliRunner.Ok("transcribe", "--model", run, "--decode", "ctc", Path.Combine(audio, "low.wav")).Stdout;   // CTC head's best path
        Assert.StartsWith($"{Path.Combine(audio, "low.wav")}\t", ctcLine);
        Assert.Single(ctcLine.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--decode", CliRunner.Fails("transcribe", "--model", run, "--decode", "beam", Path.Combine(audio, "low.wav")));

        // a rerun with more steps resumes from the newest checkpoint; one more is nothing to do
        var more = CliRunner.Ok(Tiny(audio, transcripts, run, 70));
        Assert.Contains("resuming from", more.Stdout);
        Assert.Contains("step 60", more.Stdout);
        Assert.Contains("trained to step 70", more.Stdout);
        Assert.Contains("nothing to do", CliRunner.Ok(Tiny(audio, transcripts, run, 70)).Stdout);
        // another model size is refused on resume, naming the setting
        var other = Tiny(audio, transcripts, run, 80);
        other[Array.IndexOf(other, "--d-model") + 1] = "16";
        Assert.Contains("d_model", CliRunner.Fails(other));
    }

    [Fact]
    public void UserMistakesAreOneLineNamingTheFileOrFlag()
    {
        using var dir = new TempDir();
        var (audio, transcripts) = Corpus(dir);
        var run = Path.Combine(dir.Path, "run");
        string[] With(params (string Flag, string Value)[] changes)
        {
            var a = Tiny(audio, transcripts, run, 2);
            foreach (var (flag, value) in changes) a[Array.IndexOf(a, flag) + 1] = value;
            return a;
        }
        var noTab = dir.Write("notab.tsv", "low.wav\tone\nhigh.wav two three\n");
        Assert.Contains("notab.tsv:2", CliRunner.Fails(With(("--transcripts", noTab))));
        var missing = dir.Write("missing.tsv", "gone.wav\tone\n");
        Assert.Contains("gone.wav", CliRunner.Fails(With(("--transcripts", missing))));
        var empty = dir.Write("empty.tsv", "low.wav\t  \n");
        Assert.Contains("empty.tsv:1", CliRunner.Fails(With(("--transcripts", empty))));
        var bad = Path.Combine(audio, "bad.wav");
        File.WriteAllBytes(bad, "RIFF\0\0\0\0WAVEjunk"u8.ToArray());
        Assert.Contains("bad.wav", CliRunner.Fails(With(("--transcripts", dir.Write("bad.tsv", "bad.wav\tone\n")))));
        Assert.Contains("--ctc-weight", CliRunner.Fails(With(("--ctc-weight", "1.5"))));
        Assert.Contains("--task", CliRunner.Fails(With(("--task", "video"))));
        Assert.Contains("--audio", CliRunner.Fails(With(("--audio", Path.Combine(dir.Path, "nowhere")))));
        Assert.Contains("--ctc-weight needs --task speech", CliRunner.Fails("train", "--train-src", transcripts, "--train-tgt", transcripts, "--ctc-weight", "0.5"));
        Assert.Contains("--audio needs --task speech", CliRunner.Fails("train", "--task", "dialogue", "--data", transcripts, "--audio", dir.Path));
        Assert.Contains("--task speech needs --audio", CliRunner.Fails("train", "--task", "speech", "--out", run));
        Assert.False(Directory.Exists(run));                                    // no half-made run folder
    }
}
