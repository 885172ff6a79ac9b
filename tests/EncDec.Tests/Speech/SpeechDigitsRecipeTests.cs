using EncDec.Autograd;
using EncDec.Models;
using EncDec.Speech;
using EncDec.Speech.Audio;
using EncDec.Speech.Training;
using EncDec.Tensors;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Speech;

/// <summary>The spoken-digits recipe's parts: frequency warping, speed perturbation, length-bucketed batches, joint CTC/attention rescoring.</summary>
public class SpeechDigitsRecipeTests
{
    [Fact]
    public void FrequencyWarpReadsChannelMOverAlphaInterpolated()
    {
        const int mels = 20, frames = 3;
        var x = new float[mels * frames];
        for (int m = 0; m < mels; m++)
            for (int f = 0; f < frames; f++) x[m * frames + f] = m + 100 * f;        // value = channel (+ 100 per frame)
        var warp = new FrequencyWarp { MaxWarp = 0.2 };
        var y = warp.Apply(x, mels, new Rng(5));
        double alpha = 1 + 0.2 * (2 * new Rng(5).NextDouble() - 1);
        Assert.NotEqual(1.0, alpha, 3);
        for (int m = 0; m < mels; m++)
            for (int f = 0; f < frames; f++) Assert.Equal(Math.Min(m / alpha, mels - 1) + 100 * f, y[m * frames + f], 3);
        Assert.Same(x, new FrequencyWarp { MaxWarp = 0 }.Apply(x, mels, new Rng(5)));
    }

    [Fact]
    public void SpeedPerturbationChangesTheRateAndKeepsTheTranscript()
    {
        var clip = new SpeechDigitClip("train/a.wav", new AudioClip(new float[8000], 8000), "one two");
        var all = SpeechDigitsRecipe.SpeedPerturbed([clip], [0.9, 1.0, 1.1]);
        Assert.Equal(new[] { 7200, 8000, 8800 }, all.Select(c => c.Audio.SampleRate));
        Assert.Equal(new[] { "train/a.wav@0.9", "train/a.wav", "train/a.wav@1.1" }, all.Select(c => c.Name));
        Assert.All(all, c => Assert.Equal("one two", c.Text));
        var front = new LogMelSpectrogram();
        Assert.Equal(new[] { 111, 100, 90 }, all.Select(c => SpeechFeatures.FromClip(c.Audio, c.Text, front).Frames));   // 1 s at 0.9 → 1.11 s
    }

    [Fact]
    public void LoadFolderReadsAGeneratedSetAndNamesABadLine()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("train"));
        WavWriter.Write(dir.File("train/a.wav"), new AudioClip(new float[800], 8000));
        File.WriteAllText(dir.File("train.tsv"), "train/a.wav\tone two\n");
        var clips = SpeechDigits.LoadFolder(dir.Path, SpeechDigitSplit.Train);
        Assert.Equal(("train/a.wav", "one two", 8000, 800), (clips[0].Name, clips[0].Text, clips[0].Audio.SampleRate, clips[0].Audio.Samples.Length));
        File.WriteAllText(dir.File("train.tsv"), "train/a.wav\tone\nno-tab-here\n");
        var e = Assert.Throws<UserInputException>(() => SpeechDigits.LoadFolder(dir.Path, SpeechDigitSplit.Train));
        Assert.EndsWith("train.tsv:2: expected FILE<TAB>TRANSCRIPT", e.Message);
    }

    [Fact]
    public void BucketedBatchesHoldSimilarLengthsAndAtMostFourDigits()
    {
        var rng = new Rng(2);
        string[] texts = ["one", "two three", "four five six", "seven"];
        var train = Enumerable.Range(0, 40).Select(i => SpeechModelTests.Random(rng, 80, 10 + 3 * i, texts[i % 4])).ToArray();
        var o = new SpeechDigitsOptions { BucketBatches = 4, Warp = new FrequencyWarp { MaxWarp = 0 } };
        var sampler = new SpeechDigitsSampler(train, o, new Rng(7));
        var batches = Enumerable.Range(0, 8).Select(_ => sampler.Next(8)).ToArray();
        Assert.All(batches, b => Assert.Equal(8, b.Count));
        Assert.All(batches.SelectMany(b => b), e => Assert.InRange(e.Text.Split(' ').Length, 1, 4));
        Assert.Contains(batches.SelectMany(b => b), e => e.Text.Split(' ').Length == 4);   // some joined pairs
        // the first four batches are one sorted pool of 32, so their length ranges do not overlap
        var ranges = batches.Take(4).Select(b => (Min: b.Min(e => e.Frames), Max: b.Max(e => e.Frames))).OrderBy(r => r.Min).ToArray();
        for (int i = 1; i < 4; i++) Assert.True(ranges[i - 1].Max <= ranges[i].Min, $"{ranges[i - 1]} overlaps {ranges[i]}");
        var again = new SpeechDigitsSampler(train, o, new Rng(7));
        Assert.Equal(batches[0].Select(e => e.Text), again.Next(8).Select(e => e.Text));   // seeded
    }

    [Fact]
    public void JointScoresAreTheWeightedAttentionAndCtcLogLikelihoodsOfEachCandidate()
    {
        var rng = new Rng(4);
        var tok = WordTokenizer.Train(["one two three four"], 100);
        var config = SpeechModelTests.Tiny(tok.Vocab.Count) with { Speech = new SpeechConfig { MelBins = 16, MaxFrames = 400, Ctc = true } };
        var model = ModelFactory.BuildSpeechToSequence(config, new Rng(config.Seed));
        model.Eval();
        SpeechExample[] part = [SpeechModelTests.Random(rng, 16, 30, "one"), SpeechModelTests.Random(rng, 16, 44, "two three")];
        int[] rows = [0, 0, 1, 1, 1];
        int[][] candidates = [tok.Encode("one"), tok.Encode("one two"), [], tok.Encode("two three"), tok.Encode("four four three two")];
        var scores = JointCtcRescorer.Score(model, part, rows, candidates, 0.3);
        for (int c = 0; c < candidates.Length; c++)
        {
            // the same candidate alone, unpadded: log p_att = Σ log softmax at each target (EOS last), log p_ctc = −ctc_loss
            var (mel, frames) = SpeechFeatures.Batch([part[rows[c]]], 16);
            var input = new[] { Vocabulary.BosId }.Concat(candidates[c]).ToArray();
            var target = candidates[c].Append(Vocabulary.EosId).ToArray();
            var (logits, ctcLogits, lengths) = model.ForwardWithCtc(mel, frames, new IndexTensor(input, 1, input.Length));   // (1, L, V), (1, S, V)
            var logp = logits.LogSoftmax(-1).ToArray();
            int v = logits.Shape[^1];
            double att = target.Select((k, j) => (double)logp[j * v + k]).Sum();
            double ctc = -F.CtcLoss(ctcLogits, lengths, [candidates[c]], SpeechTrainer.CtcBlankId, Reduction.None).ToArray()[0];
            Assert.Equal(0.7 * att + 0.3 * ctc, scores[c], 3);
        }
    }
}
