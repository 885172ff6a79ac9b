using EncDec.IO;
using EncDec.Models;
using EncDec.Speech;
using EncDec.Speech.Audio;
using EncDec.Speech.Training;
using EncDec.Tensors;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary><c>encdec transcribe</c> on a tiny model trained here, and <c>demo --task speech-digits</c>.</summary>
[Collection(CliCollection.Name)]
public class SpeechCliTests
{
    /// <summary>Two "utterances" (tones of different pitch) memorised by a tiny model, saved as a run folder.</summary>
    private static (string Run, string Low, string High) TrainTiny(TempDir dir)
    {
        static AudioClip Tone(double hz, int rate) => new(Enumerable.Range(0, rate / 5)
            .Select(i => (float)(0.4 * Math.Sin(2 * Math.PI * hz * i / rate))).ToArray(), rate);
        string low = dir.File("low.wav"), high = dir.File("high.wav");
        WavWriter.Write(low, Tone(300, 8000), WavSampleFormat.Pcm16);
        AtomicFile.Write(high, s => s.Write(WavWriter.ToBytes(Tone(2000, 22050).Samples.SelectMany(v => new[] { v, v }).ToArray(), 22050, 2, WavSampleFormat.Float32)));
        var front = new LogMelSpectrogram();
        var data = new[] { SpeechFeatures.FromFile(low, "one", front), SpeechFeatures.FromFile(high, "two three", front) };
        var tok = SpeechDigits.WordTokenizerFor(["one", "two", "three"]);
        var config = new ModelConfig
        {
            Family = ModelFamily.SpeechToSequence, TgtVocabSize = tok.Vocab.Count, DModel = 32, Heads = 4, FeedForward = 64, EncoderLayers = 1,
            DecoderLayers = 1, Dropout = 0f, Norm = EncDec.Nn.NormPosition.Pre, MaxPositions = 32, Seed = 5, Speech = new SpeechConfig { MaxFrames = 200 },
        };
        var model = ModelFactory.BuildSpeechToSequence(config, new Rng(config.Seed));
        SpeechTrainer.Train(model, tok, _ => data, new SpeechTrainOptions { Steps = 60, BatchSize = 2, Lr = 3e-3, Warmup = 5 });
        string run = Path.Combine(dir.Path, "run");
        Directory.CreateDirectory(run);
        ModelStore.Save(Path.Combine(run, "model.safetensors"), model, config, null, tok, 60);
        return (run, low, high);
    }

    [Fact]
    public void TranscribePrintsTheTextOfEachFile()
    {
        using var dir = new TempDir();
        var (run, low, high) = TrainTiny(dir);
        var r = CliRunner.Ok("transcribe", "--model", run, high, low);
        Assert.Equal($"{high}\ttwo three\n{low}\tone\n", r.Stdout);
        var beam = CliRunner.Ok("transcribe", "--model", run, "--beam", "3", low);
        Assert.Equal($"{low}\tone\n", beam.Stdout);

        // user mistakes: one line naming the file or flag
        var bad = dir.WriteBytes("bad.wav", "RIFF\0\0\0\0WAVEjunk"u8.ToArray());
        Assert.Contains("bad.wav", CliRunner.Fails("transcribe", "--model", run, low, bad));
        Assert.Contains("missing.wav", CliRunner.Fails("transcribe", "--model", run, dir.File("missing.wav")));
        Assert.Contains("--beam", CliRunner.Fails("transcribe", "--model", run, "--beam", "0", low));
        var longClip = dir.File("long.wav");
        WavWriter.Write(longClip, new AudioClip(new float[16000 * 3], 16000));
        Assert.Contains("longer than the model's 2.0 s", CliRunner.Fails("transcribe", "--model", run, longClip));
        Assert.Contains("model", CliRunner.Fails("transcribe", low));
    }

    [Fact]
    public void TranscribeRefusesATextModel()
    {
        using var dir = new TempDir();
        var tok = WordTokenizer.Train(["a b"], 100);
        var config = new ModelConfig { SrcVocabSize = tok.Vocab.Count, TgtVocabSize = tok.Vocab.Count, DModel = 8, Heads = 2, FeedForward = 8, EncoderLayers = 1, DecoderLayers = 1 };
        var path = dir.File("text.safetensors");
        ModelStore.Save(path, ModelFactory.Build(config), config, tok, tok);
        var wav = dir.File("a.wav");
        WavWriter.Write(wav, new AudioClip(new float[1600], 16000));
        Assert.Contains("cannot transcribe audio", CliRunner.Fails("transcribe", "--model", path, wav));
    }

    [Fact]
    public void SpeechDigitsDemoTrainsAndReportsWerOnHeldOutVoices()
    {
        using var dir = new TempDir();
        var r = CliRunner.Ok("demo", "--task", "speech-digits", "--quick", "--steps", "3", "--test-size", "4", "--out", dir.Path);
        Assert.Contains("held-out voices", r.Stdout);
        Assert.Contains("WER", r.Stdout);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir.Path, "test.tsv")).Length);
        var loaded = ModelStore.Load(dir.Path);
        Assert.IsType<SpeechToSequenceModel>(loaded.Model);
        var clip = SpeechDigits.Load(SpeechDigitSplit.Test)[0];
        Assert.StartsWith("test/", clip.Name);
    }
}
