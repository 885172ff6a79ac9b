using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Text;
using EncDec.Vision;
using EncDec.Vision.Training;
using Xunit;

namespace EncDec.Tests.Vision;

/// <summary>Reduced learning checks of the vision models (tiny sizes, seconds) and their checkpoints.</summary>
public class VisionModelTests
{
    private static readonly CharTokenizer Digits = CharTokenizer.Train(["0123456789"], 100);

    private static ModelConfig Tiny(ImageEncoderKind enc) => new()
    {
        Family = ModelFamily.ImageToSequence, TgtVocabSize = Digits.Vocab.Count, DModel = 32, Heads = 2, FeedForward = 64,
        EncoderLayers = 1, DecoderLayers = 1, Dropout = 0f, Norm = NormPosition.Pre, Positional = PositionalKind.Learned, MaxPositions = 20, Seed = 3,
        Vision = new VisionConfig { Encoder = enc, Channels = 1, Height = 8, Width = 24, PatchSize = 4, CnnWidth = 8, CnnStages = [2] },
    };

    /// <summary>8 fixed rows of 2 digits, 8×24 (scale 1, no noise): a model that learns reads all of them back.</summary>
    private static DigitStringBatch Fixed() => DigitStrings.Generate(8, DigitSplit.Train, new Rng(7),
        new DigitStringOptions { Height = 8, Width = 24, MinDigits = 2, MaxDigits = 2, MinScale = 1, MaxScale = 1, Noise = 0 });

    [Fact]
    public void AnUntrainedModelDecodesWithinItsLearnedPositions()
    {
        // 8 positions: a row that never ends stops after 6 tokens instead of running past the positional table
        var model = (ImageToSequenceModel)ModelFactory.Build(Tiny(ImageEncoderKind.Cnn) with { MaxPositions = 8 });
        var hyps = ImageSequenceTrainer.Decode(model, Digits, Fixed().ToTensor(), maxLength: 16);
        Assert.Equal(8, hyps.Length);
        Assert.All(hyps, h => Assert.InRange(h.Replace("<unk>", "?").Length, 0, 6));
    }

    [Theory]
    [InlineData(ImageEncoderKind.Cnn)]
    [InlineData(ImageEncoderKind.Vit)]
    public void ImageToSequenceLearnsToReadFixedDigitRows(ImageEncoderKind enc)
    {
        var data = Fixed();
        var model = (ImageToSequenceModel)ModelFactory.Build(Tiny(enc));
        var images = data.ToTensor();
        var before = ImageSequenceTrainer.ExactMatch(ImageSequenceTrainer.Decode(model, Digits, images), data.Texts);
        var report = ImageSequenceTrainer.Train(model, Digits, _ => (images, data.Texts),
            new ImageTrainOptions { Steps = 80, BatchSize = 8, Lr = 5e-3, Warmup = 5 });
        var hyps = ImageSequenceTrainer.Decode(model, Digits, images);
        Assert.True(before < 0.5, $"untrained model already reads {before}");
        Assert.True(report.Loss < 0.5f, $"loss {report.Loss}");
        Assert.Equal(data.Texts, hyps);
    }

    [Fact]
    public void ShiftMovesPixelsAndVoteKeepsTheMajorityOrTheEarliestView()
    {
        // (1, 1, 2, 3): [[1 2 3] [4 5 6]] right by 1 → [[0 1 2] [0 4 5]]; up by 1 → [[4 5 6] [0 0 0]]
        var img = Tensor.FromArray([1f, 2, 3, 4, 5, 6], 1, 1, 2, 3);
        Assert.Equal(new[] { 0f, 1, 2, 0, 4, 5 }, ImageSequenceTrainer.Shift(img, 1, 0).ToArray());
        Assert.Equal(new[] { 4f, 5, 6, 0, 0, 0 }, ImageSequenceTrainer.Shift(img, 0, -1).ToArray());
        Assert.Equal(new[] { 0f, 0, 0, 2, 3, 0 }, ImageSequenceTrainer.Shift(img, -1, 1).ToArray());
        // row 0: "12" twice beats "13"; row 1: a three-way tie goes to the first view's "7"
        var voted = ImageSequenceTrainer.Vote([["13", "7"], ["12", "8"], ["12", "9"]]);
        Assert.Equal(new[] { "12", "7" }, voted);
        // one view is plain greedy decoding; three views are the vote of the unshifted, left- and right-shifted decodes
        var data = Fixed();
        var model = (ImageToSequenceModel)ModelFactory.Build(Tiny(ImageEncoderKind.Cnn));
        var images = data.ToTensor();
        ImageSequenceTrainer.Train(model, Digits, _ => (images, data.Texts), new ImageTrainOptions { Steps = 80, BatchSize = 8, Lr = 5e-3, Warmup = 5 });
        var plain = ImageSequenceTrainer.Decode(model, Digits, images);
        Assert.Equal(data.Texts, plain);
        Assert.Equal(plain, ImageSequenceTrainer.DecodeShiftVote(model, Digits, images, 1));
        var left = ImageSequenceTrainer.Decode(model, Digits, ImageSequenceTrainer.Shift(images, -1, 0));
        var right = ImageSequenceTrainer.Decode(model, Digits, ImageSequenceTrainer.Shift(images, 1, 0));
        Assert.Equal(ImageSequenceTrainer.Vote([plain, left, right]), ImageSequenceTrainer.DecodeShiftVote(model, Digits, images, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageSequenceTrainer.DecodeShiftVote(model, Digits, images, 10));
    }

    /// <summary>The OCR recipe's CNN: the grid averaged over its rows (a row of columns) and context layers over it.</summary>
    [Fact]
    public void CnnWithRowPoolingAndContextLayersReadsFixedRowsAndRoundTrips()
    {
        using var dir = new TempDir();
        var config = Tiny(ImageEncoderKind.Cnn) with { Vision = Tiny(ImageEncoderKind.Cnn).Vision! with { CnnPoolRows = true, CnnContextLayers = 1 } };
        var model = (ImageToSequenceModel)ModelFactory.Build(config);
        Assert.Equal(12, model.Encoder.SequenceLength);                                  // 8×24 → conv grid 4×12 → 1×12
        Assert.Contains(model.StateDict().Keys, k => k.StartsWith("image_encoder.context.layers.0.self_attn"));
        var data = Fixed();
        var images = data.ToTensor();
        var report = ImageSequenceTrainer.Train(model, Digits, _ => (images, data.Texts), new ImageTrainOptions { Steps = 80, BatchSize = 8, Lr = 5e-3, Warmup = 5 });
        Assert.True(report.Loss < 0.5f, $"loss {report.Loss}");
        Assert.Equal(data.Texts, ImageSequenceTrainer.Decode(model, Digits, images));
        var path = dir.File("m.safetensors");
        ModelStore.Save(path, model, config, null, Digits);
        var loaded = ModelStore.Load(path);
        Assert.Contains("\"cnn_pool_rows\": true", loaded.Config.ToJson());
        Assert.Equal(data.Texts, ImageSequenceTrainer.Decode(Assert.IsType<ImageToSequenceModel>(loaded.Model), Digits, images));
    }

    [Fact]
    public void EmaReplacesTheWeightsWithTheirAverageAndWeightDecayShrinksThem()
    {
        var data = Fixed();
        var images = data.ToTensor();
        float[] Weights(ImageTrainOptions o)
        {
            var m = (ImageToSequenceModel)ModelFactory.Build(Tiny(ImageEncoderKind.Cnn));
            if (o.Steps > 0) ImageSequenceTrainer.Train(m, Digits, _ => (images, data.Texts), o);
            return m.Parameters().SelectMany(p => p.Span.ToArray()).ToArray();
        }
        var plain = new ImageTrainOptions { Steps = 2, BatchSize = 8, Lr = 5e-3, Warmup = 1 };
        var w0 = Weights(plain with { Steps = 0 });
        var w1 = Weights(plain with { Steps = 1 });
        var w2 = Weights(plain);
        var ema = Weights(plain with { EmaDecay = 0.99 });
        // k = min(0.99, (1 + step) / (10 + step)): after step 1 avg = k1·w0 + (1 − k1)·w1, after step 2 avg = k2·avg + (1 − k2)·w2
        float k1 = 2f / 11f, k2 = 3f / 12f;
        for (int i = 0; i < w0.Length; i += 97)
        {
            float expected = k2 * (k1 * w0[i] + (1 - k1) * w1[i]) + (1 - k2) * w2[i];
            Assert.Equal(expected, ema[i], 4);
        }
        Assert.NotEqual(w2, ema);
        // AdamW: the same steps with decay end with a smaller weight norm
        float Norm(float[] w) => MathF.Sqrt(w.Sum(v => v * v));
        Assert.True(Norm(Weights(plain with { WeightDecay = 5.0 })) < Norm(w2) - 1e-3f);
    }

    [Fact]
    public void ImageToSequenceCheckpointRoundTripsWithBatchNormStatistics()
    {
        using var dir = new TempDir();
        var config = Tiny(ImageEncoderKind.Cnn);
        var model = (ImageToSequenceModel)ModelFactory.Build(config);
        var data = Fixed();
        ImageSequenceTrainer.Train(model, Digits, _ => (data.ToTensor(), data.Texts), new ImageTrainOptions { Steps = 3, BatchSize = 8, Warmup = 1 });
        var path = dir.File("m.safetensors");
        ModelStore.Save(path, model, config, null, Digits);
        var loaded = ModelStore.Load(path);
        var m2 = Assert.IsType<ImageToSequenceModel>(loaded.Model);
        Assert.Contains(m2.StateDict().Keys, k => k.EndsWith("running_mean"));
        Assert.Equal(config.ToJson(), loaded.Config.ToJson());
        var (inp, _) = ImageSequenceTrainer.Targets(Digits, data.Texts);
        using (GradMode.NoGrad())
            Assert.True(model.Forward(data.ToTensor(), inp).AllClose(m2.Forward(data.ToTensor(), inp), 1e-5f, 1e-5f));
    }

    [Fact]
    public void ImageSourceDecodesWithBeamSearchAndReturnsAttentionRows()
    {
        var model = (ImageToSequenceModel)ModelFactory.Build(Tiny(ImageEncoderKind.Cnn));
        model.Eval();
        var src = model.ForImages(Fixed().ToTensor());
        var res = EncDec.Generation.SequenceGenerator.Generate(src, src.Sources,
            new EncDec.Generation.GenerationOptions { Strategy = EncDec.Generation.DecodingStrategy.Beam, BeamSize = 3, MaxLength = 5, ReturnAttention = true });
        Assert.Equal(8, res.Count);
        Assert.All(res, r => Assert.InRange(r.Best.Tokens.Length, 0, 5));
        // one row per output token plus end of sequence, one column per image region, each a distribution
        Assert.All(res, r => Assert.Equal(new[] { r.Best.Tokens.Length + 1, model.Encoder.SequenceLength }, new[] { r.Best.Attention!.GetLength(0), r.Best.Attention.GetLength(1) }));
        var a = res[0].Best.Attention!;
        Assert.Equal(1.0, Enumerable.Range(0, a.GetLength(1)).Sum(j => a[0, j]), 3);
    }

    [Fact]
    public void UNetLearnsToSegmentABrightSquare()
    {
        var config = new ModelConfig
        {
            Family = ModelFamily.UNet, NumClasses = 2, Seed = 2,
            Vision = new VisionConfig { Channels = 1, Height = 16, Width = 16, CnnWidth = 4, CnnStages = [2] },
        };
        var net = Assert.IsType<UNet>(ModelFactory.Build(config));
        var rng = new Rng(4);
        (Tensor X, IndexTensor Y) Batch(int n)
        {
            var x = new float[n * 256]; var y = new int[n * 256];
            for (int b = 0; b < n; b++)
            {
                int s = 4 + rng.NextInt(5), r0 = rng.NextInt(16 - s), c0 = rng.NextInt(16 - s);
                for (int i = 0; i < 16; i++)
                    for (int j = 0; j < 16; j++)
                    {
                        bool inside = i >= r0 && i < r0 + s && j >= c0 && j < c0 + s;
                        x[b * 256 + i * 16 + j] = (inside ? 0.8f : 0.2f) + 0.1f * (float)rng.NextNormal();
                        y[b * 256 + i * 16 + j] = inside ? 1 : 0;
                    }
            }
            return (Tensor.FromArray(x, n, 1, 16, 16), new IndexTensor(y, n, 16, 16));
        }
        var opt = new Adam(net.NamedParameters(), new OptimizerOptions(OptimizerKind.Adam, 1e-2));
        for (int step = 0; step < 40; step++)
        {
            var (x, y) = Batch(8);
            SegmentationLoss.DiceCrossEntropy(net.Forward(x), y).Backward();
            opt.Step(); opt.ZeroGrad();
        }
        net.Eval();
        var (tx, ty) = Batch(16);
        Tensor logits;
        using (GradMode.NoGrad()) logits = net.Forward(tx);
        Assert.Equal(new[] { 16, 2, 16, 16 }, logits.Shape);
        double iou = SegmentationLoss.MeanIoU(SegmentationLoss.Predict(logits), ty.Data, 2);
        Assert.True(iou > 0.8, $"mean IoU {iou}");
    }

    [Fact]
    public void MeanIoUAndDiceLossHaveKnownValues()
    {
        Assert.Equal(0.5 * (1.0 / 2 + 2.0 / 3), SegmentationLoss.MeanIoU([0, 1, 1, 0], [0, 1, 0, 0], 2), 9);   // class 0: 2/3, class 1: 1/2
        var logits = Tensor.FromArray([20f, -20f, -20f, 20f], 1, 2, 1, 2);                              // confident and right
        var loss = SegmentationLoss.DiceCrossEntropy(logits, new IndexTensor([1, 0], 1, 1, 2));
        Assert.True(loss.Item() > 10);                                                               // wrong labels: large CE
        Assert.True(SegmentationLoss.DiceCrossEntropy(logits, new IndexTensor([0, 1], 1, 1, 2)).Item() < 1e-3);
    }

    [Fact]
    public void VisionConfigIsValidatedInOneLine()
    {
        var bad = Tiny(ImageEncoderKind.Vit) with { Vision = new VisionConfig { Encoder = ImageEncoderKind.Vit, Height = 10, Width = 32, PatchSize = 4 } };
        var e = Assert.Throws<UserInputException>(() => ModelFactory.Build(bad));
        Assert.Contains("patch_size", e.Message);
        Assert.Throws<UserInputException>(() => ModelFactory.Build(Tiny(ImageEncoderKind.Cnn) with { Vision = null }));
    }
}
