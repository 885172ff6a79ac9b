using EncDec.Autograd;
using EncDec.IO;
using EncDec.Metrics;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Text;
using EncDec.Vision;
using EncDec.Vision.Training;
using Xunit;

namespace EncDec.Tests.Vision;

public class DualEncoderTests
{
    private static readonly WordTokenizer Words = WordTokenizer.Train(ShapeScenes.VocabularyLines(), 100);

    private static ModelConfig Tiny(ImageEncoderKind enc, TextPooling text = TextPooling.Mean) => new()
    {
        Family = ModelFamily.DualEncoder, SrcVocabSize = Words.Vocab.Count, DModel = 32, Heads = 2, FeedForward = 64, ProjectionDim = 16,
        EncoderLayers = 1, Dropout = 0f, Norm = NormPosition.Pre, Positional = PositionalKind.Learned, MaxPositions = 32, Seed = 5,
        Vision = new VisionConfig { Encoder = enc, Channels = 3, Height = 16, Width = 16, PatchSize = 4, CnnWidth = 8, CnnStages = [2, 4], TextPooling = text },
    };

    private static readonly ShapeSceneOptions Small = new()
    {
        Height = 16, Width = 16, MaxShapes = 1, SmallMin = 4, SmallMax = 5, LargeMin = 8, LargeMax = 10, Margin = 1,
    };

    [Fact]
    public void SymmetricInfoNceGradientsMatchFiniteDifferences()
    {
        // plain CLIP targets, and groups where pairs 0 and 2 share a caption
        foreach (var groups in new[] { null, new[] { 0, 1, 0, 2 } })
            GradCheck.Check(x => F.SymmetricInfoNce(F.Normalize(x[0]), F.Normalize(x[1]), x[2], groups),
                [GradCheck.Rand(1, 4, 3), GradCheck.Rand(2, 4, 3), Tensor.Scalar(MathF.Log(3f))], tol: 2e-3);
    }

    [Fact]
    public void HardNegativeInfoNce_MatchesFiniteDifferences_AndItsClosedForm()
    {
        // pairs 0 and 2 share a caption; the second negative equals pair 1's caption (a positive of image 1)
        GradCheck.Check(x => F.SymmetricInfoNce(F.Normalize(x[0]), F.Normalize(x[1]), F.Normalize(x[2]), x[3], [0, 1, 0, 2, 5, 1]),
            [GradCheck.Rand(1, 4, 3), GradCheck.Rand(2, 4, 3), GradCheck.Rand(3, 2, 3), Tensor.Scalar(MathF.Log(3f))], tol: 2e-3);
        // orthonormal matched pairs, negatives the opposite vectors −e_i
        var eye = Tensor.FromArray([1f, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3);
        var neg = Tensor.FromArray([-1f, 0, 0, 0, -1, 0, 0, 0, -1], 3, 3);
        float s = 2f;
        // image→text row i: e^s over (e^s + 2·1 + e^−s + 2·1) columns; text→image: the plain log(1 + 2e^−s)
        var loss = F.SymmetricInfoNce(eye, eye, neg, Tensor.Scalar(MathF.Log(s)), [0, 1, 2, 3, 4, 5]).Item();
        double i2t = Math.Log(Math.Exp(s) + 4 + Math.Exp(-s)) - s, t2i = Math.Log(1 + 2 * Math.Exp(-s));
        Assert.Equal((i2t + t2i) / 2, loss, 5);
    }

    [Fact]
    public void HardNegativeCaptionsDifferFromTheSceneAndAreSeeded()
    {
        var o = new ShapeSceneOptions();
        var b = ShapeScenes.Generate(ShapeSplit.Train, 0, 40, o);
        var rng = new Rng(3);
        var negs = b.Shapes.Select(sc => ShapeScenes.HardNegative(sc, rng, o)).ToArray();
        var again = new Rng(3);
        Assert.Equal(negs, b.Shapes.Select(sc => ShapeScenes.HardNegative(sc, again, o)).ToArray());
        for (int i = 0; i < b.Count; i++)
        {
            Assert.NotEqual(b.Captions[i], negs[i]);
            Assert.Equal(b.Captions[i].Split(' ').Length, negs[i].Split(' ').Length);       // same shapes count, one change
            Assert.DoesNotContain("green circle", negs[i]);                                  // a held-out pair never appears
        }
        Assert.Contains(Enumerable.Range(0, b.Count), i => b.Shapes[i].Length >= 2 && negs[i].Split(' ').Order().SequenceEqual(b.Captions[i].Split(' ').Order()));   // some swaps
    }

    [Fact]
    public void InfoNceHasItsClosedFormAndTheScaleIsCappedAt100()
    {
        // orthonormal embeddings, perfectly matched: logits = s·I, loss = log(1 + (N−1)e^(−s)) − 0 in both directions
        var eye = Tensor.FromArray([1f, 0, 0, 0, 1, 0, 0, 0, 1], 3, 3);
        float s = 2f;
        var loss = F.SymmetricInfoNce(eye, eye, Tensor.Scalar(MathF.Log(s))).Item();
        Assert.Equal(Math.Log(1 + 2 * Math.Exp(-s)), loss, 5);
        // all pairs one group: each row's target is uniform, so the loss is log(e^s + 2) − s/3
        var same = F.SymmetricInfoNce(eye, eye, Tensor.Scalar(MathF.Log(s)), [7, 7, 7]).Item();
        Assert.Equal(Math.Log(Math.Exp(s) + 2) - s / 3, same, 5);
        var big = Tensor.Scalar(MathF.Log(500f)).RequiresGrad_();
        Assert.Equal(100f, F.ClampedScale(big).Item());
        F.SymmetricInfoNce(F.Normalize(GradCheck.Rand(3, 3, 4).RequiresGrad_()), F.Normalize(GradCheck.Rand(4, 3, 4)), big).Backward();
        Assert.True(big.Grad is null || big.Grad.Item() == 0f);
        Assert.Equal(1f / 0.07f, ((DualEncoder)ModelFactory.Build(Tiny(ImageEncoderKind.Cnn))).Scale, 3);
    }

    [Fact]
    public void RecallCountsGroupsAndBothDirections()
    {
        // rows are images: image 0 ranks text 1 first, image 1 text 2, image 2 its own text 2
        float[] sim = [0.1f, 0.9f, 0.0f,
                       0.0f, 0.2f, 0.8f,
                       0.3f, 0.1f, 0.7f];
        Assert.Equal(1.0 / 3, RetrievalRecall.At(sim, 3, 1), 9);
        Assert.Equal(1.0, RetrievalRecall.At(sim, 3, 2), 9);                                // every own text is second at worst
        // columns are texts: text 0 ranks image 2 first, text 1 image 0, text 2 image 1 — none is right, all are second
        Assert.Equal(0.0, RetrievalRecall.At(sim, 3, 1, queriesAreColumns: true), 9);
        Assert.Equal(1.0, RetrievalRecall.At(sim, 3, 2, queriesAreColumns: true), 9);
        // texts 0 and 1 equal (one group): image 0's first text (1) is now right; image 1's (2) is still wrong
        Assert.Equal(2.0 / 3, RetrievalRecall.At(sim, 3, 1, [0, 0, 1]), 9);
        var both = RetrievalRecall.Both(sim, 3);
        Assert.Equal(new RetrievalScores(1.0 / 3, 1.0, 0.0, 1.0), both);
    }

    [Theory]
    [InlineData(ImageEncoderKind.Cnn, TextPooling.Mean)]
    [InlineData(ImageEncoderKind.Vit, TextPooling.Mean)]
    [InlineData(ImageEncoderKind.Vit, TextPooling.Attention)]   // the preset's text pooling
    public void TinyDualEncoderRetrievalRisesWellAboveChance(ImageEncoderKind enc, TextPooling text)
    {
        // 12 single-shape scenes with 12 different captions: chance recall@1 is 1/12
        var pool = ShapeScenes.Generate(ShapeSplit.HeldOut, 0, 80, Small);
        var pick = Enumerable.Range(0, pool.Count).DistinctBy(i => pool.Captions[i]).Take(12).ToArray();
        var images = F.IndexSelect(pool.ToTensor(), 0, new IndexTensor(pick, pick.Length));
        var captions = pick.Select(i => pool.Captions[i]).ToArray();
        var model = ModelFactory.BuildDualEncoder(Tiny(enc, text));
        var before = DualEncoderTrainer.Evaluate(model, Words, images, captions);
        var report = DualEncoderTrainer.Train(model, Words, _ => (images, captions), new ImageTrainOptions { Steps = 60, BatchSize = 12, Lr = 3e-3, Warmup = 5 });
        var after = DualEncoderTrainer.Evaluate(model, Words, images, captions);
        Assert.True(before.ImageToTextAt1 < 0.35, $"untrained recall@1 {before}");
        Assert.True(after.ImageToTextAt1 >= 0.75 && after.TextToImageAt1 >= 0.75, $"recall@1 after training: {after}, loss {report.Loss}");
    }

    [Fact]
    public void DualEncoderSavesAndLoadsWithItsTokenizer()
    {
        using var dir = new TempDir();
        var config = Tiny(ImageEncoderKind.Cnn);
        var model = ModelFactory.BuildDualEncoder(config);
        var data = ShapeScenes.Generate(ShapeSplit.Train, 0, 6, Small);
        DualEncoderTrainer.Train(model, Words, _ => (data.ToTensor(), data.Captions), new ImageTrainOptions { Steps = 2, BatchSize = 6, Warmup = 1 });
        var path = dir.File("clip.safetensors");
        ModelStore.Save(path, model, config, Words, null);
        var loaded = ModelStore.Load(path);
        var m2 = Assert.IsType<DualEncoder>(loaded.Model);
        Assert.Contains("logit_scale", m2.StateDict().Keys);
        Assert.Contains("text_projection.weight", m2.StateDict().Keys);
        Assert.Equal(config.ToJson(), loaded.Config.ToJson());
        Assert.Equal(model.Scale, m2.Scale);
        var a = DualEncoderTrainer.Similarity(model, Words, data.ToTensor(), data.Captions);
        var b = DualEncoderTrainer.Similarity(m2, loaded.SourceTokenizer!, data.ToTensor(), data.Captions);
        Assert.Equal(a, b);
        var e = Assert.Throws<UserInputException>(() => ModelFactory.Build(config with { ProjectionDim = 0 }));
        Assert.Contains("projection_dim", e.Message);
    }
}
