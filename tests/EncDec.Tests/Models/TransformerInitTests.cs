using EncDec.Autograd;
using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Models;

/// <summary>
/// A factory-built Transformer is initialised like PyTorch's <c>nn.Transformer</c>: Xavier-uniform on every matrix
/// of the encoder and decoder stacks (q/k/v with the packed (3E, E) bound), biases and norms untouched; a layer
/// built on its own keeps <see cref="Linear"/>'s default, like PyTorch's layers.
/// </summary>
public sealed class TransformerInitTests
{
    private const int D = 32, Ffn = 128;

    private static EncoderDecoder Build() => (EncoderDecoder)ModelFactory.Build(
        ModelTestKit.Transformer(50, 50, d: D, heads: 4, ffn: Ffn, layers: 2, seed: 3));

    private static float MaxAbs(Tensor t) => t.ToArray().Max(MathF.Abs);

    /// <summary>Checks that <paramref name="w"/> looks like U(±bound): within it, and its max and std close to a uniform's.</summary>
    private static void AssertUniform(Tensor w, float bound, string name)
    {
        var a = w.ToArray();
        float max = a.Max(MathF.Abs);
        double std = Math.Sqrt(a.Average(x => (double)x * x));
        Assert.True(max <= bound, $"{name}: max |w| {max} above the Xavier bound {bound}");
        Assert.True(max > 0.98f * bound, $"{name}: max |w| {max} well below the Xavier bound {bound}");
        Assert.InRange(std, 0.95 * bound / Math.Sqrt(3), 1.05 * bound / Math.Sqrt(3));
    }

    [Fact]
    public void EncoderAndDecoderMatricesAreXavierUniform()
    {
        var m = Build();
        var enc = ((TransformerEncoderPart)m.Encoder).Stack.Layers[1];
        var dec = ((TransformerDecoderPart)m.Decoder).Stack.Layers[0];
        float ffnBound = MathF.Sqrt(6f / (D + Ffn));          // 0.194; Linear's default for linear2 is 1/√128 = 0.088
        float packed = MathF.Sqrt(6f / (D + 3 * D));           // in_proj_weight (3E, E)
        float square = MathF.Sqrt(6f / (2 * D));               // out_proj (E, E); Linear's default is 1/√32 = 0.177
        AssertUniform(enc.Linear1.Weight, ffnBound, "encoder linear1");
        AssertUniform(enc.Linear2.Weight, ffnBound, "encoder linear2");
        AssertUniform(enc.SelfAttn.OutProj.Weight, square, "encoder out_proj");
        AssertUniform(dec.Linear2.Weight, ffnBound, "decoder linear2");
        AssertUniform(dec.MultiheadAttn.OutProj.Weight, square, "decoder cross out_proj");
        foreach (var w in new[] { enc.SelfAttn.QProj.Weight, dec.SelfAttn.KProj.Weight, dec.MultiheadAttn.VProj.Weight })
            Assert.True(MaxAbs(w) <= packed, "q/k/v keep the packed in_proj bound");
        // linear2 was redrawn: far beyond Linear's default bound
        Assert.True(MaxAbs(enc.Linear2.Weight) > 1.5f / MathF.Sqrt(Ffn));
    }

    [Fact]
    public void BiasesAndNormsKeepTheirInitialisation()
    {
        var m = Build();
        var enc = ((TransformerEncoderPart)m.Encoder).Stack.Layers[0];
        Assert.All(enc.SelfAttn.OutProj.Bias!.ToArray(), b => Assert.Equal(0f, b));
        Assert.All(enc.SelfAttn.QProj.Bias!.ToArray(), b => Assert.Equal(0f, b));
        Assert.True(MaxAbs(enc.Linear2.Bias!) <= 1f / MathF.Sqrt(Ffn));   // PyTorch keeps the Linear default for biases
        Assert.True(MaxAbs(enc.Linear2.Bias!) > 0f);
        Assert.All(enc.Norm1.Weight.ToArray(), g => Assert.Equal(1f, g));
    }

    [Fact]
    public void AStandaloneLayerKeepsTheLinearDefault()
    {
        var layer = new TransformerEncoderLayer(new TransformerLayerOptions(D, 4, Ffn), new Rng(3));
        Assert.True(MaxAbs(layer.Linear2.Weight) <= 1f / MathF.Sqrt(Ffn));
    }

    [Fact]
    public void InitialisationIsSeeded()
    {
        var a = Build(); var b = Build();
        var wa = ((TransformerDecoderPart)a.Decoder).Stack.Layers[1].Linear1.Weight.ToArray();
        var wb = ((TransformerDecoderPart)b.Decoder).Stack.Layers[1].Linear1.Weight.ToArray();
        Assert.Equal(wa, wb);
    }

    [Fact]
    public void FinalNormAddsNnTransformersLastLayerNormsToAPostNormModel()
    {
        var plain = ModelTestKit.Transformer(50, 50, d: D, heads: 4, ffn: Ffn, layers: 2, seed: 3);
        var a = (EncoderDecoder)ModelFactory.Build(plain);
        var b = (EncoderDecoder)ModelFactory.Build(plain with { FinalNorm = true });
        Assert.Null(((TransformerEncoderPart)a.Encoder).Stack.Norm);
        Assert.Contains(b.NamedParameters(), p => p.Name.EndsWith("norm.weight", StringComparison.Ordinal) && !p.Name.Contains("layers", StringComparison.Ordinal));
        Assert.Equal(a.ParameterCount + 4 * D, b.ParameterCount);
        a.Eval(); b.Eval();
        var ids = new IndexTensor(new[] { 7, 8, 9, 10, 11, 12 }, 2, 3);
        var ea = a.Encode(ids, new[] { 3, 2 }).Memory;
        var eb = b.Encode(ids, new[] { 3, 2 }).Memory;
        // the same weights otherwise (the norms draw nothing), so b's memory is LayerNorm(a's memory)
        var expected = F.LayerNorm(ea, null, null).ToArray();
        var got = eb.ToArray();
        for (int i = 0; i < got.Length; i++) Assert.Equal(expected[i], got[i], 4);
        Assert.NotEqual(ea.ToArray(), got);
    }

    [Fact]
    public void FinalNormIsWrittenToTheConfigOnlyWhenSet()
    {
        var plain = ModelTestKit.Transformer(50, 50);
        Assert.DoesNotContain("final_norm", plain.ToJson(), StringComparison.Ordinal);
        var set = plain with { FinalNorm = true };
        Assert.Contains("\"final_norm\": true", set.ToJson(), StringComparison.Ordinal);
        Assert.True(ModelConfig.FromJson(set.ToJson()).FinalNorm);
        Assert.Null(ModelConfig.FromJson(plain.ToJson()).FinalNorm);
    }
}
