using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Speech;
using EncDec.Speech.Training;
using EncDec.Tensors;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Speech;

public class SpeechModelTests
{
    internal static ModelConfig Tiny(int vocab, int mels = 16) => new()
    {
        Family = ModelFamily.SpeechToSequence, TgtVocabSize = vocab, DModel = 32, Heads = 4, FeedForward = 64,
        EncoderLayers = 1, DecoderLayers = 1, Dropout = 0f, Norm = NormPosition.Pre, MaxPositions = 64, Seed = 3,
        Speech = new SpeechConfig { MelBins = mels, MaxFrames = 400 },
    };

    internal static SpeechExample Random(Rng rng, int mels, int frames, string text)
        => new(Enumerable.Range(0, mels * frames).Select(_ => (float)rng.NextNormal()).ToArray(), frames, text);

    [Fact]
    public void ForwardShapesAndStride()
    {
        var model = ModelFactory.BuildSpeechToSequence(Tiny(12), new Rng(1));
        var rng = new Rng(2);
        var (mel, frames) = SpeechFeatures.Batch([Random(rng, 16, 21, "a"), Random(rng, 16, 14, "b")], 16);
        Assert.Equal(new[] { 2, 16, 21 }, mel.Shape);
        var enc = model.EncodeAudio(mel, frames);
        Assert.Equal(new[] { 2, 11, 32 }, enc.Memory.Shape);                 // ⌈21 / 2⌉ positions
        Assert.Equal(new[] { 11, 7 }, enc.Lengths);
        Assert.Equal(1f, enc.PaddingMask.Span[11 + 7]);                      // row 1, first padded position
        var logits = model.Forward(mel, frames, new IndexTensor(new int[2 * 3], 2, 3));
        Assert.Equal(new[] { 2, 3, 12 }, logits.Shape);
    }

    [Fact]
    public void ARowEncodesTheSameAloneAndPaddedInABatch()
    {
        var model = ModelFactory.BuildSpeechToSequence(Tiny(12), new Rng(1));
        model.Eval();
        var rng = new Rng(4);
        var shortOne = Random(rng, 16, 9, "a");
        var (alone, f1) = SpeechFeatures.Batch([shortOne], 16);
        var (batch, f2) = SpeechFeatures.Batch([Random(rng, 16, 24, "b"), shortOne], 16);
        var a = model.EncodeAudio(alone, f1).Memory;                         // (1, 5, d)
        var b = model.EncodeAudio(batch, f2).Memory;                         // (2, 12, d)
        for (int s = 0; s < 5; s++)
            for (int c = 0; c < 32; c++)
                Assert.Equal(a.Span[s * 32 + c], b.Span[(12 + s) * 32 + c], 4);
    }

    [Fact]
    public void TinyModelMemorisesFourClipsAndSurvivesSaveLoad()
    {
        var rng = new Rng(9);
        string[] texts = ["one two", "three", "four five six", "seven"];
        var data = texts.Select((t, i) => Random(rng, 16, 12 + 4 * i, t)).ToArray();
        var tok = WordTokenizer.Train(texts, 100);
        var config = Tiny(tok.Vocab.Count);
        var model = ModelFactory.BuildSpeechToSequence(config, new Rng(config.Seed));
        var losses = new List<float>();
        var report = SpeechTrainer.Train(model, tok, _ => data, new SpeechTrainOptions { Steps = 80, BatchSize = 4, Lr = 3e-3, Warmup = 5 },
                                         (_, l) => losses.Add(l));
        Assert.Equal(80, report.Steps);
        Assert.True(report.Loss < losses[0] / 5, $"loss {losses[0]} → {report.Loss}");
        var hyps = SpeechTrainer.Decode(model, tok, data);
        Assert.Equal(texts, hyps);

        using var dir = new TempDir();
        var path = dir.File("model.safetensors");
        ModelStore.Save(path, model, config, null, tok, report.Steps);
        var loaded = ModelStore.Load(path);
        var again = Assert.IsType<SpeechToSequenceModel>(loaded.Model);
        Assert.Equal(texts, SpeechTrainer.Decode(again, loaded.TargetTokenizer!, data));
        Assert.Equal(80L, loaded.Step);
        Assert.Equal(400, loaded.Config.Speech!.MaxFrames);
    }

    [Fact]
    public void ConfigWithoutSpeechSettingsIsRefused()
    {
        var c = Tiny(12) with { Speech = null };
        var e = Assert.Throws<UserInputException>(() => c.Validate("cfg"));
        Assert.Contains("speech settings", e.Message);
        var bad = Tiny(12) with { Speech = new SpeechConfig { MelBins = 0 } };
        Assert.Contains("mel_bins", Assert.Throws<UserInputException>(() => bad.Validate("cfg")).Message);
    }
}
