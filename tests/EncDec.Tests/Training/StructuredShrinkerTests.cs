using EncDec.Generation;
using EncDec.IO;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Tests.Models;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Training;

public class StructuredShrinkerTests
{
    private static (EncoderDecoder Model, ModelConfig Config) Pruned(double sparsity)
    {
        var config = ModelTestKit.Transformer(14, 14, d: 16, heads: 4, ffn: 24, layers: 2);
        var model = (EncoderDecoder)ModelFactory.Build(config);
        model.Eval();
        new MagnitudePruner(model, PruningKind.Heads).Apply(sparsity);
        new MagnitudePruner(model, PruningKind.Ffn).Apply(sparsity);
        return (model, config);
    }

    [Fact]
    public void Shrunk_model_is_smaller_and_computes_what_the_masked_one_does()
    {
        var (masked, config) = Pruned(0.5);
        var (small, smallConfig) = StructuredShrinker.Shrink(masked, config);
        Assert.Equal(new[] { 2, 2 }, smallConfig.Pruned!.EncoderHeads);
        Assert.Equal(new[] { 2, 2 }, smallConfig.Pruned.DecoderCrossHeads);
        Assert.Equal(new[] { 12, 12 }, smallConfig.Pruned.DecoderFeedForward);
        var attn = small.NamedModules().Select(m => m.Module).OfType<MultiheadAttention>().First();
        Assert.Equal(new[] { 8, 16 }, attn.QProj.Weight.Shape);          // 2 heads of 4 out of 16
        Assert.Equal(new[] { 16, 8 }, attn.OutProj.Weight.Shape);
        Assert.True(small.ParameterCount < masked.ParameterCount * 0.8, $"{small.ParameterCount} vs {masked.ParameterCount}");

        int[][] src = [[3, 5, 7, 9, 2], [4, 6, 2], [8, 8, 10, 11, 12, 2]];
        int[] lengths = src.Select(s => s.Length).ToArray();
        int t = lengths.Max();
        var flat = src.SelectMany(s => s.Concat(Enumerable.Repeat(0, t - s.Length))).ToArray();
        var tgtIn = new IndexTensor(new[] { 1, 5, 6, 7, 1, 9, 9, 3, 1, 4, 4, 4 }, 3, 4);
        using (GradMode.NoGrad())
        {
            var a = masked.Forward(new IndexTensor(flat, 3, t), lengths, tgtIn).Logits.ToArray();   // (3, 4, V)
            var b = small.Forward(new IndexTensor(flat, 3, t), lengths, tgtIn).Logits.ToArray();
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 1e-4f);
        }
        // incremental beam search (cached self- and cross-attention) gives the same hypotheses and scores
        var o = new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 3, MaxLength = 8 };
        var ra = SequenceGenerator.Generate(masked, src, o);
        var rb = SequenceGenerator.Generate(small, src, o);
        for (int s = 0; s < src.Length; s++)
        {
            Assert.Equal(ra[s].Best.Tokens, rb[s].Best.Tokens);
            Assert.Equal(ra[s].Best.Score, rb[s].Best.Score, 1e-3f);
        }
    }

    [Fact]
    public void Shrunk_config_round_trips_through_a_model_file_and_old_configs_have_no_pruned_widths()
    {
        var (masked, config) = Pruned(0.5);
        var (small, smallConfig) = StructuredShrinker.Shrink(masked, config);
        Assert.DoesNotContain("pruned", config.ToJson());
        Assert.Null(ModelConfig.FromJson(config.ToJson()).Pruned);
        var json = smallConfig.ToJson();
        Assert.Contains("\"encoder_heads\"", json);
        Assert.Equal(smallConfig.Pruned!.DecoderSelfHeads, ModelConfig.FromJson(json).Pruned!.DecoderSelfHeads);
        var dir = Directory.CreateTempSubdirectory("shrink").FullName;
        try
        {
            var path = Path.Combine(dir, "small.safetensors");
            ModelStore.Save(path, small, smallConfig, null, null);
            var loaded = ModelStore.Load(path);
            Assert.Equal(small.ParameterCount, loaded.Model.ParameterCount);
            var bad = smallConfig with { Pruned = smallConfig.Pruned with { EncoderHeads = [2] } };
            var e = Assert.Throws<UserInputException>(() => ModelConfig.FromJson(bad.ToJson(), "x.json"));
            Assert.Contains("pruned.encoder_heads has 1 entries for 2 layers", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
