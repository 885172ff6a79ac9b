using EncDec.Models;
using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Models;

/// <summary>
/// A U-Net and a ViT encoder end to end against PyTorch 1.13 (tests/fixtures/make_vision_fixtures.py, group
/// vision_models): the same weights loaded by name, training mode; output, input gradient, every parameter's gradient
/// (of Σ y ⊙ r) and the updated BatchNorm running statistics, norm-wise relative error below 1e-4 per tensor.
/// </summary>
public class VisionModelParityTests
{
    private const double Tol = 1e-4;

    private static void Check(string name, Module model, Func<Tensor, Tensor> forward)
    {
        var fx = Fixtures.Load("vision_models");
        var state = model.StateDict();
        int loaded = 0;
        foreach (var key in state.Keys)
        {
            string? hit = fx.ContainsKey($"{name}.p.{key}") ? $"{name}.p.{key}" : fx.ContainsKey($"{name}.b.{key}") ? $"{name}.b.{key}" : null;
            if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
            Assert.True(hit is not null, $"{name}: the fixture has no tensor for '{key}'");
            fx[hit!].ToTensor().Contiguous().Span.CopyTo(state[key].Span);
            loaded++;
        }
        Assert.Equal(fx.Keys.Count(k => k.StartsWith($"{name}.p.", StringComparison.Ordinal) || k.StartsWith($"{name}.b.", StringComparison.Ordinal)), loaded);
        model.Train();
        var x = fx[$"{name}.x"].ToTensor().RequiresGrad_();
        var y = forward(x);
        Fixtures.AssertClose(fx[$"{name}.y"], y, Tol, $"{name}.y");
        y.Backward(fx[$"{name}.r"].ToTensor());
        Fixtures.AssertClose(fx[$"{name}.dx"], x.Grad, Tol, $"{name}.dx");
        foreach (var (pname, p) in model.NamedParameters())
        {
            var expected = fx[$"{name}.g.{pname}"];
            if (expected.Data.Max(MathF.Abs) < 1e-6f)
            {
                // a gradient that is zero in exact arithmetic (the key bias: softmax ignores a constant shift) is rounding noise in both
                Assert.All(p.Grad!.ToArray(), g => Assert.InRange(g, -1e-5f, 1e-5f));
                continue;
            }
            Fixtures.AssertClose(expected, p.Grad, Tol, $"{name}.g.{pname}");
        }
        foreach (var (bname, b) in model.NamedBuffers())
            if (fx.TryGetValue($"{name}.a.{bname}", out var after)) Fixtures.AssertClose(after, b, Tol, $"{name}.a.{bname}");
    }

    [Fact]
    public void UNetMatchesTorchEndToEnd()
    {
        var v = new VisionConfig { Channels = 3, Height = 8, Width = 8, CnnWidth = 4, CnnStages = [2, 4] };
        var unet = new UNet(v, 3, new Rng(1));
        Check("unet", unet, unet.Forward);
    }

    [Fact]
    public void VitEncoderMatchesTorchEndToEnd()
    {
        var c = new ModelConfig { DModel = 8, Heads = 2, FeedForward = 16, EncoderLayers = 2, Dropout = 0f };
        var v = new VisionConfig { Encoder = ImageEncoderKind.Vit, Channels = 3, Height = 8, Width = 12, PatchSize = 4 };
        var vit = new VitImageEncoder(v, c, new Rng(1));
        Check("vit", vit, vit.Forward);
    }
}
