using EncDec.Autograd;
using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Text;
using EncDec.Vision;
using EncDec.Vision.Training;
using Xunit;

namespace EncDec.Tests.Vision;

/// <summary>The dual encoder's CoCa-style captioning loss (<see cref="VisionConfig.CaptionLossWeight"/>).</summary>
public class CocaDualEncoderTests
{
    private static readonly WordTokenizer Words = WordTokenizer.Train(ShapeScenes.VocabularyLines(), 100);

    private static ModelConfig Tiny(ImageEncoderKind enc, float captionWeight) => new()
    {
        Family = ModelFamily.DualEncoder, SrcVocabSize = Words.Vocab.Count, DModel = 32, Heads = 2, FeedForward = 64, ProjectionDim = 16,
        EncoderLayers = 1, DecoderLayers = 1, Dropout = 0f, Norm = NormPosition.Pre, Positional = PositionalKind.Learned, MaxPositions = 32, Seed = 5,
        Vision = new VisionConfig
        {
            Encoder = enc, Channels = 3, Height = 16, Width = 16, PatchSize = 4, CnnWidth = 8, CnnStages = [2, 4],
            Pooling = enc == ImageEncoderKind.Cnn ? ImagePooling.Flatten : ImagePooling.Default, CaptionLossWeight = captionWeight,
        },
    };

    private static readonly ShapeSceneOptions Small = new()
    {
        Height = 16, Width = 16, MaxShapes = 1, SmallMin = 4, SmallMax = 5, LargeMin = 8, LargeMax = 10, Margin = 1,
    };

    [Fact]
    public void CocaLossIsTheContrastiveLossPlusLambdaTimesTheCaptionCrossEntropy()
    {
        var model = ModelFactory.BuildDualEncoder(Tiny(ImageEncoderKind.Cnn, 0.5f));
        model.Eval();
        var data = ShapeScenes.Generate(ShapeSplit.Train, 0, 6, Small);
        var (ids, lengths) = DualEncoderTrainer.Tokens(Words, data.Captions);
        var (input, target) = DecoderTargets.FromTexts(Words, data.Captions);
        var groups = DualEncoderTrainer.Groups(data.Captions);
        using var _ = GradMode.NoGrad();
        float coca = model.Loss(data.ToTensor(), ids, lengths, groups, input, target).Item();
        float contrastive = model.Loss(data.ToTensor(), ids, lengths, groups).Item();
        float caption = model.CaptionLoss(model.Encoder.Forward(data.ToTensor()), input, target).Item();
        Assert.Equal(contrastive + 0.5f * caption, coca, 5);
        // an untrained head is near the uniform guess over the vocabulary: log V within a nat
        Assert.InRange(caption, MathF.Log(Words.Vocab.Count) - 1f, MathF.Log(Words.Vocab.Count) + 1f);
        Assert.Contains("caption_head.weight", model.StateDict().Keys);
        Assert.Contains(model.StateDict().Keys, k => k.StartsWith("caption_decoder.", StringComparison.Ordinal));
        Assert.Contains(model.StateDict().Keys, k => k.StartsWith("caption_embed.", StringComparison.Ordinal));
        var plain = ModelFactory.BuildDualEncoder(Tiny(ImageEncoderKind.Cnn, 0f));
        Assert.DoesNotContain(plain.StateDict().Keys, k => k.StartsWith("caption_", StringComparison.Ordinal));
        Assert.Throws<InvalidOperationException>(() => plain.Loss(data.ToTensor(), ids, lengths, groups, input, target));
    }

    [Theory]
    [InlineData(ImageEncoderKind.Cnn)]
    [InlineData(ImageEncoderKind.Vit)]
    public void CocaTrainingRetrievesAndCaptionsTwelveScenes(ImageEncoderKind enc)
    {
        // 12 single-shape scenes with 12 different captions: chance recall@1 is 1/12
        var pool = ShapeScenes.Generate(ShapeSplit.HeldOut, 0, 80, Small);
        var pick = Enumerable.Range(0, pool.Count).DistinctBy(i => pool.Captions[i]).Take(12).ToArray();
        var images = F.IndexSelect(pool.ToTensor(), 0, new IndexTensor(pick, pick.Length));
        var captions = pick.Select(i => pool.Captions[i]).ToArray();
        var model = ModelFactory.BuildDualEncoder(Tiny(enc, 1f));
        var (input, target) = DecoderTargets.FromTexts(Words, captions);
        float CaptionLoss()
        {
            model.Eval();
            using var _ = GradMode.NoGrad();
            return model.CaptionLoss(model.Encoder.Forward(images), input, target).Item();
        }
        float before = CaptionLoss();
        var report = DualEncoderTrainer.Train(model, Words, _ => (images, captions), new ImageTrainOptions { Steps = 60, BatchSize = 12, Lr = 3e-3, Warmup = 5 });
        float after = CaptionLoss();
        var r = DualEncoderTrainer.Evaluate(model, Words, images, captions);
        Assert.True(r.ImageToTextAt1 >= 0.75 && r.TextToImageAt1 >= 0.75, $"recall@1 after training: {r}, loss {report.Loss}");
        Assert.True(after < 0.5f * before, $"caption loss {before} → {after}");
    }

    [Fact]
    public void CaptionWeightIsStoredInTheCheckpointAndChecked()
    {
        using var dir = new TempDir();
        var config = Tiny(ImageEncoderKind.Vit, 0.25f);
        var model = ModelFactory.BuildDualEncoder(config);
        var data = ShapeScenes.Generate(ShapeSplit.Train, 0, 6, Small);
        DualEncoderTrainer.Train(model, Words, _ => (data.ToTensor(), data.Captions), new ImageTrainOptions { Steps = 2, BatchSize = 6, Warmup = 1 });
        var path = dir.File("coca.safetensors");
        ModelStore.Save(path, model, config, Words, null);
        var loaded = ModelStore.Load(path);
        var m2 = Assert.IsType<DualEncoder>(loaded.Model);
        Assert.Contains("caption_loss_weight", loaded.Config.ToJson());
        Assert.Equal(0.25f, loaded.Config.Vision!.CaptionLossWeight);
        Assert.Equal(0.25f, m2.CaptionWeight);
        Assert.Equal(DualEncoderTrainer.Similarity(model, Words, data.ToTensor(), data.Captions),
                     DualEncoderTrainer.Similarity(m2, loaded.SourceTokenizer!, data.ToTensor(), data.Captions));
        var (input, target) = DecoderTargets.FromTexts(Words, data.Captions);
        using (GradMode.NoGrad())
        {
            model.Eval(); m2.Eval();
            Assert.Equal(model.CaptionLoss(model.Encoder.Forward(data.ToTensor()), input, target).Item(),
                         m2.CaptionLoss(m2.Encoder.Forward(data.ToTensor()), input, target).Item());
        }
        Assert.Contains("decoder_layers", Assert.Throws<UserInputException>(() => ModelFactory.Build(config with { DecoderLayers = 0 })).Message);
        Assert.Contains("caption_loss_weight", Assert.Throws<UserInputException>(() => ModelFactory.Build(config with { Vision = config.Vision! with { CaptionLossWeight = -1f } })).Message);
    }
}
