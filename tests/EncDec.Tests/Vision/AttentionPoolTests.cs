using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Text;
using EncDec.Vision;
using EncDec.Vision.Training;
using Xunit;

namespace EncDec.Tests.Vision;

public class AttentionPoolTests
{
    private static readonly WordTokenizer Words = WordTokenizer.Train(ShapeScenes.VocabularyLines(), 100);

    [Fact]
    public void AttentionPoolGivesOneVectorPerRowAndMatchesFiniteDifferences()
    {
        var pool = new AttentionPool(8, 2, new Rng(3));
        var x = GradCheck.Rand(1, 3, 5, 8);
        var y = pool.Forward(x);
        Assert.Equal([3, 8], y.Shape);
        Assert.Equal(["attn.k_proj.bias", "attn.k_proj.weight", "attn.out_proj.bias", "attn.out_proj.weight", "attn.q_proj.bias", "attn.q_proj.weight",
                      "attn.v_proj.bias", "attn.v_proj.weight", "norm.bias", "norm.weight", "query"], pool.StateDict().Keys.Order());
        // the inputs, the learned query and a key projection, with the last two positions of row 1 padded
        var mask = Tensor.FromArray([0f, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0], 3, 5);
        GradCheck.Check(t => pool.Forward(t[0], mask), [x, pool.Query, pool.Attn.KProj.Weight], tol: 2e-3);
    }

    [Fact]
    public void PaddedPositionsDoNotChangeThePooledVector()
    {
        var pool = new AttentionPool(8, 2, new Rng(4));
        var x = GradCheck.Rand(2, 1, 4, 8).ToArray();
        var junk = x.ToArray();
        for (int i = 3 * 8; i < 4 * 8; i++) junk[i] = 5f;                       // position 3 changed and masked
        var mask = Tensor.FromArray([0f, 0, 0, 1], 1, 4);
        var a = pool.Forward(Tensor.FromArray(x, 1, 4, 8), mask).ToArray();
        var b = pool.Forward(Tensor.FromArray(junk, 1, 4, 8), mask).ToArray();
        Assert.Equal(a, b);
        var unmasked = pool.Forward(Tensor.FromArray(junk, 1, 4, 8)).ToArray();
        Assert.NotEqual(a, unmasked);
    }

    [Theory]
    [InlineData(ImageEncoderKind.Cnn, ImagePooling.Attention, TextPooling.Attention, "image_pool.attn.q_proj.weight", 32 * 32)]
    [InlineData(ImageEncoderKind.Vit, ImagePooling.Flatten, TextPooling.Mean, "image_flatten.weight", 32 * 17 * 32)]
    public void PooledDualEncoderEmbedsSavesAndLoads(ImageEncoderKind enc, ImagePooling pooling, TextPooling text, string key, int size)
    {
        var config = new ModelConfig
        {
            Family = ModelFamily.DualEncoder, SrcVocabSize = Words.Vocab.Count, DModel = 32, Heads = 2, FeedForward = 64, ProjectionDim = 16,
            EncoderLayers = 1, Dropout = 0f, Norm = NormPosition.Pre, Positional = PositionalKind.Learned, MaxPositions = 32, Seed = 5,
            Vision = new VisionConfig { Encoder = enc, Channels = 3, Height = 16, Width = 16, PatchSize = 4, CnnWidth = 8, CnnStages = [2, 4], Pooling = pooling, TextPooling = text },
        };
        var model = ModelFactory.BuildDualEncoder(config);
        Assert.Equal(size, model.StateDict()[key].Numel);
        Assert.Equal(text == TextPooling.Attention, model.StateDict().ContainsKey("text_pool.query"));
        var data = ShapeScenes.Generate(ShapeSplit.Train, 0, 6, new ShapeSceneOptions { Height = 16, Width = 16, MaxShapes = 1, SmallMin = 4, SmallMax = 5, LargeMin = 8, LargeMax = 10, Margin = 1 });
        var report = DualEncoderTrainer.Train(model, Words, _ => (data.ToTensor(), data.Captions), new ImageTrainOptions { Steps = 3, BatchSize = 6, Warmup = 1 });
        Assert.True(float.IsFinite(report.Loss));
        var emb = model.EncodeImages(data.ToTensor());
        Assert.Equal([6, 16], emb.Shape);
        using var dir = new TempDir();
        var path = dir.File("clip.safetensors");
        ModelStore.Save(path, model, config, Words, null);
        var loaded = ModelStore.Load(path);
        Assert.Equal(config.ToJson(), loaded.Config.ToJson());
        Assert.Contains(pooling.ToString().ToLowerInvariant(), loaded.Config.ToJson());
        var m2 = Assert.IsType<DualEncoder>(loaded.Model);
        Assert.Equal(DualEncoderTrainer.Similarity(model, Words, data.ToTensor(), data.Captions), DualEncoderTrainer.Similarity(m2, loaded.SourceTokenizer!, data.ToTensor(), data.Captions));
    }
}
