using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Nn;

/// <summary>
/// Vision ops against PyTorch 1.13 (tests/fixtures/make_vision_fixtures.py): outputs and the gradients of Σ y ⊙ r
/// for every input, norm-wise relative error below 1e-4 per tensor.
/// </summary>
public class VisionParityTests
{
    private const double Tol = 1e-4;

    private static void Check(string name, string[] inputs, Func<Tensor[], Tensor> op)
    {
        var fx = Fixtures.Load("vision");
        var xs = inputs.Select(n => fx[$"{name}.{n}"].ToTensor().RequiresGrad_()).ToArray();
        var y = op(xs);
        Fixtures.AssertClose(fx[$"{name}.y"], y, Tol, $"{name}.y");
        y.Backward(fx[$"{name}.r"].ToTensor());
        for (int i = 0; i < xs.Length; i++) Fixtures.AssertClose(fx[$"{name}.d{inputs[i]}"], xs[i].Grad, Tol, $"{name}.d{inputs[i]}");
    }

    [Fact] public void Conv2dMatchesTorch()
    {
        Check("conv2d_basic", ["x", "w", "b"], t => F.Conv2d(t[0], t[1], t[2], stride: 1, padding: 1));
        Check("conv2d_general", ["x", "w", "b"], t => F.Conv2d(t[0], t[1], t[2], (2, 1), (1, 2), (2, 1), groups: 2));
        Check("conv2d_pointwise", ["x", "w"], t => F.Conv2d(t[0], t[1]));
    }

    [Fact] public void Conv1dMatchesTorch() =>
        Check("conv1d", ["x", "w", "b"], t => F.Conv1d(t[0], t[1], t[2], stride: 2, padding: 1, dilation: 2, groups: 2));

    [Fact] public void ConvTranspose2dMatchesTorch()
    {
        Check("conv_transpose2d", ["x", "w", "b"], t => F.ConvTranspose2d(t[0], t[1], t[2], stride: 2, padding: 1, outputPadding: 1));
        Check("conv_transpose2d_groups", ["x", "w"], t => F.ConvTranspose2d(t[0], t[1], null, stride: 1, padding: 2, dilation: 2, groups: 2));
    }

    [Fact] public void PoolingMatchesTorch()
    {
        Check("max_pool2d", ["x"], t => F.MaxPool2d(t[0], 3, stride: 2, padding: 1));
        Check("max_pool2d_k2", ["x"], t => F.MaxPool2d(t[0], 2));
        Check("avg_pool2d", ["x"], t => F.AvgPool2d(t[0], 3, stride: 2, padding: 1));
        Check("adaptive_avg_pool2d", ["x"], t => F.AdaptiveAvgPool2d(t[0], 3, 2));
    }

    [Fact] public void GroupNormMatchesTorch() =>
        Check("group_norm", ["x", "w", "b"], t => F.GroupNorm(t[0], 3, t[1], t[2]));

    [Fact] public void UpsamplingMatchesTorch()
    {
        Check("nearest_up2", ["x"], t => F.UpsampleNearest2d(t[0], 8, 10));
        Check("nearest_size", ["x"], t => F.UpsampleNearest2d(t[0], 7, 9));
        Check("bilinear_up2", ["x"], t => F.UpsampleBilinear2d(t[0], 8, 10));
        Check("bilinear_size", ["x"], t => F.UpsampleBilinear2d(t[0], 7, 3));
    }

    [Fact] public void PixelShuffleMatchesTorch()
    {
        Check("pixel_shuffle", ["x"], t => F.PixelShuffle(t[0], 2));
        Check("pixel_unshuffle", ["x"], t => F.PixelUnshuffle(t[0], 2));
    }

    [Theory]
    [InlineData("batch_norm_train", true)]
    [InlineData("batch_norm_eval", false)]
    public void BatchNormMatchesTorchAndUpdatesRunningStatistics(string name, bool training)
    {
        var fx = Fixtures.Load("vision");
        var rm = fx[$"{name}.rm"].ToTensor(); var rv = fx[$"{name}.rv"].ToTensor();
        Check(name, ["x", "w", "b"], t => F.BatchNorm(t[0], rm, rv, t[1], t[2], training, 0.1f, 1e-5f));
        Fixtures.AssertClose(fx[$"{name}.rm_after"], rm, 1e-5, "running_mean");
        Fixtures.AssertClose(fx[$"{name}.rv_after"], rv, 1e-5, "running_var");
    }

    [Fact]
    public void BatchNorm2dLayerHasPyTorchStateNamesAndCountsBatches()
    {
        var bn = new BatchNorm2d(3);
        Assert.Equal(["weight", "bias"], bn.NamedParameters().Select(p => p.Name).ToArray());
        Assert.Equal(["running_mean", "running_var", "num_batches_tracked"], bn.NamedBuffers().Select(p => p.Name).ToArray());
        var x = Tensor.Randn(new Rng(3), 4, 3, 2, 2).MulScalar(2f).AddScalar(1f);
        bn.Forward(x); bn.Forward(x);
        Assert.Equal(2f, bn.NumBatchesTracked.Item());
        Assert.All(bn.RunningMean.ToArray(), m => Assert.InRange(m, 0.05f, 0.5f));   // moved towards the batch mean (≈ 1) twice by 0.1
        bn.Eval();
        var y = bn.Forward(x);
        Assert.Equal(2f, bn.NumBatchesTracked.Item());
        Assert.False(y.AllClose(F.BatchNorm(x, null, null, bn.Weight, bn.Bias, training: true), 1e-3f, 1e-3f));  // evaluation uses the running statistics
    }

    [Theory]
    [InlineData(3, 1, 1, 1)]   // 3×3, unit stride: flipped-weight input gradient
    [InlineData(3, 2, 1, 2)]   // strided, grouped: col2im input gradient
    [InlineData(1, 1, 0, 1)]   // pointwise
    public void BatchedLoweringEqualsOneImageAtATime(int k, int stride, int pad, int groups)
    {
        var rng = new Rng(11);
        var x = Tensor.Randn(rng, 3, 4, 6, 5).RequiresGrad_();
        var w = Tensor.Randn(rng, 6, 4 / groups, k, k).RequiresGrad_();
        var r = Tensor.Randn(rng, 3, 6, (6 + 2 * pad - k) / stride + 1, (5 + 2 * pad - k) / stride + 1);
        F.Conv2d(x, w, null, stride, pad, 1, groups).Backward(r);
        var gx = x.Grad!.ToArray(); var gw = w.Grad!.ToArray();
        x.ZeroGrad(); w.ZeroGrad();
        var parts = Enumerable.Range(0, 3).Select(i => F.Conv2d(x.Narrow(0, i, 1), w, null, stride, pad, 1, groups)).ToArray();
        F.Concat(parts, 0).Backward(r);
        Assert.True(Tensor.FromArray(gx).AllClose(Tensor.FromArray(x.Grad!.ToArray()), 1e-5f, 1e-5f));
        Assert.True(Tensor.FromArray(gw).AllClose(Tensor.FromArray(w.Grad!.ToArray()), 1e-5f, 1e-5f));
    }

    [Fact]
    public void PatchifyThenLinearEqualsStridedConvolution()
    {
        var rng = new Rng(5);
        var x = Tensor.Randn(rng, 2, 3, 8, 12);
        var w = Tensor.Randn(rng, 5, 3, 4, 4);
        var conv = F.Conv2d(x, w, null, stride: 4);                                      // (2, 5, 2, 3)
        var lin = F.Linear(F.Patchify(x, 4), w.Reshape(5, -1));                          // (2, 6, 5)
        Assert.True(conv.Flatten(2).Transpose(1, 2).AllClose(lin, 1e-4f, 1e-4f));
        Assert.True(F.Unpatchify(F.Patchify(x, 4), 4, 2, 3).AllClose(x, 0f, 0f));
    }

    [Fact]
    public void LayersHavePyTorchShapesAndNames()
    {
        Assert.Equal(new[] { 8, 2, 3, 3 }, new Conv2d(4, 8, 3, groups: 2).Weight.Shape);
        Assert.Equal(new[] { 6, 4, 5 }, new Conv1d(4, 6, 5).Weight.Shape);
        Assert.Equal(new[] { 4, 3, 2, 2 }, new ConvTranspose2d(4, 6, 2, groups: 2).Weight.Shape);
        Assert.Equal(["weight", "bias"], new GroupNorm(2, 4).NamedParameters().Select(p => p.Name).ToArray());
        var y = new Conv2d(3, 4, 3, stride: 2, padding: 1).Forward(Tensor.Zeros(1, 3, 9, 9));
        Assert.Equal(new[] { 1, 4, 5, 5 }, y.Shape);
    }
}
