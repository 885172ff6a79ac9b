using EncDec.Autograd;
using EncDec.Tensors;
using Xunit;

namespace EncDec.Tests.Autograd;

/// <summary>F.CtcLoss against torch.nn.functional.ctc_loss (tests/fixtures/make_ctc_fixtures.py).</summary>
public class CtcLossTests
{
    private static (Tensor Logits, int[] Lengths, int[][] Targets) Load()
    {
        var fx = Fixtures.Load("ctc");
        var logits = fx["ctc.logits"].ToTensor().RequiresGrad_();             // (5, 12, 7)
        var lengths = fx["ctc.input_lengths"].Ints!.Select(v => (int)v).ToArray();
        var padded = fx["ctc.targets"];
        int width = padded.Shape[1];
        var targets = Enumerable.Range(0, padded.Shape[0])
            .Select(b => padded.Ints!.Skip(b * width).Take(width).Where(v => v >= 0).Select(v => (int)v).ToArray()).ToArray();
        return (logits, lengths, targets);
    }

    [Fact]
    public void LossesMatchTorchForEveryReduction()
    {
        var fx = Fixtures.Load("ctc");
        var (logits, lengths, targets) = Load();
        var none = F.CtcLoss(logits.Detach(), lengths, targets, blank: 0, Reduction.None);
        Assert.Equal(new[] { 5 }, none.Shape);
        var expected = fx["ctc.loss_none"].Data;
        for (int b = 0; b < 5; b++) Assert.Equal(expected[b], none.Span[b], 1e-4 * Math.Max(1, Math.Abs(expected[b])));
        Assert.Equal(fx["ctc.loss_sum"].ToFloat(), F.CtcLoss(logits.Detach(), lengths, targets, 0, Reduction.Sum).Item(), 1e-3);
        Assert.Equal(fx["ctc.loss_mean"].ToFloat(), F.CtcLoss(logits.Detach(), lengths, targets, 0).Item(), 1e-4);
    }

    [Fact]
    public void GradientMatchesTorch()
    {
        var fx = Fixtures.Load("ctc");
        var (logits, lengths, targets) = Load();
        F.CtcLoss(logits, lengths, targets, blank: 0).Backward();
        var expected = fx["ctc.grad_mean"].Data;
        var got = logits.Grad!.ToArray();
        Assert.Equal(expected.Length, got.Length);
        double worst = 0;
        for (int i = 0; i < got.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - got[i]));
        Assert.True(worst < 1e-4, $"largest gradient difference {worst}");
        // padding frames of the short rows get no gradient, and every used frame's gradient sums to zero over classes
        for (int k = 0; k < 7; k++) Assert.Equal(0f, got[(3 * 12 + 8) * 7 + k]);
        Assert.Equal(0f, got.Skip((0 * 12 + 4) * 7).Take(7).Sum(), 1e-5);
    }

    [Fact]
    public void ImpossibleAlignmentIsInfiniteOrZeroWithZeroInfinity()
    {
        var logits = Tensor.FromArray(Enumerable.Range(0, 3 * 4).Select(i => (float)Math.Sin(i)).ToArray(), 1, 3, 4).RequiresGrad_();
        int[][] repeats = [[2, 2, 2]];                                           // needs 5 frames, has 3
        Assert.True(float.IsPositiveInfinity(F.CtcLoss(logits.Detach(), [3], repeats, 0, Reduction.Sum).Item()));
        var zero = F.CtcLoss(logits, [3], repeats, 0, Reduction.Sum, zeroInfinity: true);
        Assert.Equal(0f, zero.Item());
        zero.Backward();
        Assert.All(logits.Grad!.ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void BlankInTheTargetsIsRefused()
    {
        var logits = Tensor.Zeros(1, 4, 3);
        Assert.Throws<ArgumentException>(() => F.CtcLoss(logits, [4], [[1, 0]], blank: 0));
        Assert.Throws<ArgumentException>(() => F.CtcLoss(logits, [5], [[1]], blank: 0));
    }
}
