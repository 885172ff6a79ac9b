using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Nn;

/// <summary><see cref="SequenceConv"/> against the engine's depthwise <see cref="F.Conv1d"/> on the transposed input, and the
/// encoder layer's conv sublayer ignoring padding.</summary>
public class SequenceConvTests
{
    private static float MaxDiff(Tensor a, Tensor b)
    {
        var x = a.ToArray(); var y = b.ToArray();
        Assert.Equal(x.Length, y.Length);
        return x.Zip(y).Max(p => Math.Abs(p.First - p.Second));
    }

    [Theory]
    [InlineData(1, 6)]
    [InlineData(3, 6)]
    [InlineData(5, 7)]
    [InlineData(7, 2)]   // taps reaching past both ends of a 2-token sequence see only zeros
    public void EqualsDepthwiseConv1d_ValuesAndGradients(int kernel, int t)
    {
        const int b = 2, d = 5;
        var conv = new SequenceConv(d, kernel, new Rng(3));
        var x1 = GradCheck.Rand(1, b, t, d).RequiresGrad_();
        var x2 = GradCheck.Rand(1, b, t, d).RequiresGrad_();
        var w2 = Tensor.FromArray(conv.Weight.ToArray(), conv.Weight.Shape).RequiresGrad_();
        var b2 = Tensor.FromArray(conv.Bias.ToArray(), conv.Bias.Shape).RequiresGrad_();
        var probe = GradCheck.Rand(2, b, t, d);
        var y = conv.Forward(x1);                                                               // (B, T, d)
        var reference = F.Conv1d(x2.Transpose(1, 2).Contiguous(), w2, b2, padding: kernel / 2, groups: d)
                         .Transpose(1, 2).Contiguous();                                        // (B, d, T) → (B, T, d)
        Assert.Equal(new[] { b, t, d }, y.Shape);
        Assert.True(MaxDiff(y, reference) < 1e-5f, $"outputs differ by {MaxDiff(y, reference)}");
        (y * probe).Sum().Backward(); (reference * probe).Sum().Backward();
        Assert.True(MaxDiff(x1.Grad!, x2.Grad!) < 1e-5f, "input gradients differ");
        Assert.True(MaxDiff(conv.Weight.Grad!, w2.Grad!) < 1e-4f, "weight gradients differ");
        Assert.True(MaxDiff(conv.Bias.Grad!, b2.Grad!) < 1e-4f, "bias gradients differ");
    }

    [Fact]
    public void KnownValues_OneChannelThreeTaps()
    {
        var conv = new SequenceConv(1, 3);
        conv.Weight.Span[0] = 1f; conv.Weight.Span[1] = 10f; conv.Weight.Span[2] = 100f;   // taps t−1, t, t+1
        conv.Bias.Span[0] = 0.5f;
        var x = Tensor.FromArray(new float[] { 1, 2, 3 }, 1, 3, 1);
        // y0 = 10·1 + 100·2, y1 = 1 + 20 + 300, y2 = 2 + 30 (+ 0.5 each)
        Assert.Equal(new[] { 210.5f, 321.5f, 32.5f }, conv.Forward(x).ToArray());
    }

    [Theory]
    [InlineData(NormPosition.Pre)]
    [InlineData(NormPosition.Post)]
    public void EncoderLayerConvIgnoresPadding(NormPosition norm)
    {
        var options = new TransformerLayerOptions(8, 2, 16, 0f, Norm: norm) { ConvKernel = 3 };
        var layer = new TransformerEncoderLayer(options, new Rng(5));
        Assert.Equal(new[] { 8, 1, 3 }, layer.Conv!.Weight.Shape);
        Assert.Contains("conv.weight", layer.NamedParameters().Select(p => p.Name));
        Assert.Contains("norm_conv.weight", layer.NamedParameters().Select(p => p.Name));
        var alone = GradCheck.Rand(7, 1, 4, 8);                                                 // (1, 4, d)
        var padded = Tensor.Zeros(1, 6, 8);                                                     // the same 4 rows, then 2 pads
        alone.Span.CopyTo(padded.Span);
        for (int i = 4 * 8; i < 6 * 8; i++) padded.Span[i] = 9f;                                // pad rows hold garbage
        var mask = Tensor.FromArray(new float[] { 0, 0, 0, 0, 1, 1 }, 1, 6);
        var ya = layer.Forward(alone).ToArray();
        var yp = layer.Forward(padded, mask).ToArray();
        for (int i = 0; i < ya.Length; i++) Assert.True(Math.Abs(ya[i] - yp[i]) < 1e-5f, $"element {i}: {ya[i]} vs {yp[i]}");
    }
}
