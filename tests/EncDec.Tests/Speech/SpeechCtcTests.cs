using EncDec.Generation;
using EncDec.IO;
using EncDec.Models;
using EncDec.Speech.Training;
using EncDec.Tensors;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Speech;

/// <summary>The speech model's optional CTC head: training with a CTC weight, best-path decoding, save/load.</summary>
public class SpeechCtcTests
{
    [Fact]
    public void GreedyDecodingMergesRepeatsAndDropsBlanks()
    {
        // frames' best classes: 0 3 3 0 3 4 4 | 2 (past row 0's length 7), row 1: 1 1 2 0 0 0 0 0
        int[][] best = [[0, 3, 3, 0, 3, 4, 4, 2], [1, 1, 2, 0, 0, 0, 0, 0]];
        var logits = Tensor.Zeros(2, 8, 5);                                     // (N, S, V)
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 8; t++) logits.Span[(b * 8 + t) * 5 + best[b][t]] = 1f;
        var ids = CtcGreedyDecoder.Decode(logits, [7, 8], blank: 0);
        Assert.Equal(new[] { 3, 3, 4 }, ids[0]);
        Assert.Equal(new[] { 1, 2 }, ids[1]);
    }

    [Fact]
    public void HybridCtcTrainingMemorisesClipsAndBothDecodingsReadThemBack()
    {
        var rng = new Rng(9);
        string[] texts = ["one two", "three", "four five six", "seven"];
        var data = texts.Select((t, i) => SpeechModelTests.Random(rng, 16, 16 + 4 * i, t)).ToArray();
        var tok = WordTokenizer.Train(texts, 100);
        var config = SpeechModelTests.Tiny(tok.Vocab.Count) with { Speech = new SpeechConfig { MelBins = 16, MaxFrames = 400, Ctc = true } };
        var model = ModelFactory.BuildSpeechToSequence(config, new Rng(config.Seed));
        Assert.NotNull(model.CtcHead);
        var plain = ModelFactory.BuildSpeechToSequence(config with { Speech = config.Speech! with { Ctc = false } }, new Rng(config.Seed));
        long head = (long)tok.Vocab.Count * (32 + 1);                          // weight (V, d) + bias (V)
        Assert.Equal(head, model.ParameterCount - plain.ParameterCount);
        Assert.Equal(head, config.EstimatedParameters() - (config with { Speech = config.Speech! with { Ctc = false } }).EstimatedParameters());
        Assert.Contains(model.NamedParameters(), p => p.Name == "ctc_head.weight");
        var losses = new List<float>();
        SpeechTrainer.Train(model, tok, _ => data, new SpeechTrainOptions { Steps = 100, BatchSize = 4, Lr = 3e-3, Warmup = 5, CtcWeight = 0.5 },
                            (_, l) => losses.Add(l));
        Assert.True(losses[^1] < losses[0] / 5, $"loss {losses[0]} → {losses[^1]}");
        Assert.Equal(texts, SpeechTrainer.Decode(model, tok, data));
        // at 100 hybrid steps the CTC head reads the longer strings (single words are still all blank, CTC's slow start)
        var ctc = SpeechTrainer.DecodeCtc(model, tok, data);
        Assert.Equal(("one two", "four five six"), (ctc[0], ctc[2]));

        // the CTC head alone (weight 1) learns every clip
        var ctcOnly = ModelFactory.BuildSpeechToSequence(config, new Rng(config.Seed));
        SpeechTrainer.Train(ctcOnly, tok, _ => data, new SpeechTrainOptions { Steps = 200, BatchSize = 4, Lr = 3e-3, Warmup = 5, CtcWeight = 1 });
        Assert.Equal(texts, SpeechTrainer.DecodeCtc(ctcOnly, tok, data));

        using var dir = new TempDir();
        ModelStore.Save(dir.File("m.safetensors"), model, config, null, tok, 100);
        var again = Assert.IsType<SpeechToSequenceModel>(ModelStore.Load(dir.File("m.safetensors")).Model);
        Assert.Equal(ctc, SpeechTrainer.DecodeCtc(again, tok, data));
    }

    [Fact]
    public void ACtcWeightNeedsACtcHead()
    {
        var model = ModelFactory.BuildSpeechToSequence(SpeechModelTests.Tiny(12), new Rng(1));
        Assert.Null(model.CtcHead);
        var tok = WordTokenizer.Train(["a"], 100);
        Assert.Throws<ArgumentException>(() => SpeechTrainer.Train(model, tok, _ => [], new SpeechTrainOptions { Steps = 1, CtcWeight = 0.3 }));
    }
}
