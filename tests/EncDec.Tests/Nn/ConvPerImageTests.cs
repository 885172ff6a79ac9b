using EncDec.Autograd;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Nn;

/// <summary>The image-parallel Conv2d lowering gives the batched lowering's output and gradients on odd windows.</summary>
public class ConvPerImageTests
{
    [Theory]
    [InlineData(3, 3, 1, 1, 1, 1, 1)]   // 3×3 unit stride: flipped-weight input gradient
    [InlineData(3, 2, 2, 1, 2, 2, 2)]   // strided, dilated, grouped, uneven kernel: col2im input gradient
    [InlineData(1, 1, 1, 0, 0, 1, 1)]   // pointwise: the image is the column matrix
    [InlineData(1, 1, 2, 0, 0, 1, 1)]   // 1×1 stride 2: strided gather
    [InlineData(2, 3, 1, 0, 2, 1, 2)]   // unit stride, padding wider than the kernel: flipped path not applicable
    public void PerImageEqualsBatched(int kh, int kw, int stride, int ph, int pw, int dil, int groups)
    {
        foreach (bool managed in new[] { false, true })            // the provider's serial GEMM (OpenBLAS on one thread where loaded), then the managed one
        {
            Compare(kh, kw, stride, ph, pw, dil, groups, band: 0, managed);
            Compare(kh, kw, stride, ph, pw, dil, groups, band: 2, managed);    // bands of two output rows, the last one shorter
        }
    }

    private static void Compare(int kh, int kw, int stride, int ph, int pw, int dil, int groups, int band, bool managed)
    {
        var rng = new Rng(5);
        int n = 5, c = 4, o = 6, h = 9, w = 7;
        var x = Tensor.Randn(rng, n, c, h, w).RequiresGrad_();
        var wt = Tensor.Randn(rng, o, c / groups, kh, kw).RequiresGrad_();
        var b = Tensor.Randn(rng, o).RequiresGrad_();
        int ho = (h + 2 * ph - dil * (kh - 1) - 1) / stride + 1, wo = (w + 2 * pw - dil * (kw - 1) - 1) / stride + 1;
        var r = Tensor.Randn(rng, n, o, ho, wo);

        var y0 = F.Conv2d(x, wt, b, (stride, stride), (ph, pw), (dil, dil), groups);     // batched: these shapes are below the threshold
        y0.Backward(r);
        var (ry, rx, rw, rb) = (y0.ToArray(), x.Grad!.ToArray(), wt.Grad!.ToArray(), b.Grad!.ToArray());
        x.ZeroGrad(); wt.ZeroGrad(); b.ZeroGrad();

        ConvPerImage.Forced = true; ConvPerImage.ForcedBand = band; ConvPerImage.ForcedManaged = managed;
        try
        {
            var y1 = F.Conv2d(x, wt, b, (stride, stride), (ph, pw), (dil, dil), groups);
            y1.Backward(r);
            Assert.Equal(new[] { n, o, ho, wo }, y1.Shape);
            AssertClose(ry, y1.ToArray());
        }
        finally { ConvPerImage.Forced = false; ConvPerImage.ForcedBand = 0; ConvPerImage.ForcedManaged = false; }
        AssertClose(rx, x.Grad!.ToArray());
        AssertClose(rw, wt.Grad!.ToArray());
        AssertClose(rb, b.Grad!.ToArray());
        Assert.Contains(rw, v => Math.Abs(v) > 1e-2f);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"[{i}] {expected[i]} vs {actual[i]}");
    }
}
