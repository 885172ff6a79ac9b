using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Models;

/// <summary>Decoding with the weights packed once per run (<see cref="PackedLinear"/>) against the layers' own products.</summary>
public class PackedDecodingTests
{
    [Fact]
    public void PackedSteps_GiveTheUnpackedLogits()
    {
        if (!PackedLinear.Supported) return;
        var config = ModelTestKit.Transformer(20, 30, d: 32, heads: 2, ffn: 64, layers: 2, seed: 5);
        var model = ModelFactory.BuildTransformer(config, new Rng(config.Seed));
        model.Eval();
        var src = new IndexTensor(new[] { 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 }, 3, 4);   // (B, S)
        int[] lengths = { 4, 4, 3 };
        using var scope = TensorScope.Begin();
        EncoderOutput enc;
        IDecoderState plain;
        using (GradMode.NoGrad()) enc = model.Encode(src, lengths);
        plain = model.InitialState(enc);                                     // autograd on: nothing packed
        using var _ = GradMode.NoGrad();
        var packed = model.InitialState(enc);
        Assert.IsType<PackedOutputState>(packed);
        Assert.IsNotType<PackedOutputState>(plain);
        Assert.NotNull(((TransformerDecoderState)((PackedOutputState)packed).Inner).Packed);
        int[] tokens = { 1, 1, 1 };
        for (int t = 0; t < 5; t++)
        {
            var a = model.DecodeStep(tokens, t, enc, plain);
            var b = model.DecodeStep(tokens, t, enc, packed);
            float[] la = a.Logits.ToArray(), lb = b.Logits.ToArray();        // (B, V)
            Assert.Equal(la.Length, lb.Length);
            for (int i = 0; i < la.Length; i++) Assert.True(Math.Abs(la[i] - lb[i]) <= 1e-4f, $"step {t} index {i}: {la[i]} vs {lb[i]}");
            for (int r = 0; r < tokens.Length; r++) tokens[r] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(lb.AsSpan(r * 30, 30));
            plain = a.Next; packed = b.Next;
            if (t == 2) { plain = plain.Select(new[] { 2, 0, 0 }); packed = packed.Select(new[] { 2, 0, 0 }); tokens = new[] { tokens[2], tokens[0], tokens[0] }; }
        }
        Assert.IsType<PackedOutputState>(packed);                             // stays packed through steps and reorders
    }
}
