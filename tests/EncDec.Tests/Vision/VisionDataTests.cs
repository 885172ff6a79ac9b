using EncDec.Tensors;
using EncDec.Vision;
using Xunit;

namespace EncDec.Tests.Vision;

public class VisionDataTests
{
    [Fact]
    public void UciDigitsAreTheSklearnSet()
    {
        Assert.Equal(UciDigits.Count * 64, UciDigits.Pixels.Length);
        Assert.All(UciDigits.Pixels, p => Assert.InRange(p, 0, 16));
        // sklearn's first image is a 0, the second a 1; every digit appears about 180 times
        Assert.Equal(0, UciDigits.Labels[0]);
        Assert.Equal(1, UciDigits.Labels[1]);
        Assert.Equal(new byte[] { 0, 0, 5, 13, 9, 1, 0, 0 }, UciDigits.Pixels[..8]);
        Assert.All(Enumerable.Range(0, 10), d => Assert.InRange(UciDigits.Labels.Count(l => l == d), 170, 190));
        var train = UciDigits.ByDigit(DigitSplit.Train).SelectMany(x => x).ToHashSet();
        var held = UciDigits.ByDigit(DigitSplit.HeldOut).SelectMany(x => x).ToHashSet();
        Assert.Equal(UciDigits.TrainCount, train.Count);
        Assert.Empty(train.Intersect(held));
        // the validation images are two whole writers' forms inside the training images, every digit among them;
        // fit + validation = train, and no fit image lies in a validation writer's block
        var starts = UciDigits.WriterStarts();
        Assert.Equal([0, 130, 256, 386, 516, 646, 776, 915, 1029, 1157, 1287, 1415, 1545, 1563, 1667], starts);
        Assert.Contains(UciDigits.ValidationStart, starts);
        Assert.Contains(UciDigits.ValidationEnd, starts);
        Assert.Single(starts, s => s > UciDigits.ValidationStart && s < UciDigits.ValidationEnd);
        var fit = UciDigits.ByDigit(DigitSplit.Fit).SelectMany(x => x).ToHashSet();
        var val = UciDigits.ByDigit(DigitSplit.Validation);
        Assert.All(val, d => Assert.NotEmpty(d));
        Assert.Equal(258, val.Sum(d => d.Length));
        Assert.Equal(1179, fit.Count);
        Assert.DoesNotContain(fit, i => i >= UciDigits.ValidationStart && i < UciDigits.ValidationEnd);
        Assert.Empty(fit.Intersect(val.SelectMany(x => x)));
        Assert.True(train.SetEquals(fit.Concat(val.SelectMany(x => x))));
        Assert.All(DigitStrings.Generate(5, DigitSplit.Validation, new Rng(3)).Texts, t => Assert.InRange(t.Length, 3, 6));
    }

    [Fact]
    public void ElasticWarpBendsTheDigitsAndIsSeeded()
    {
        var affine = new DigitStringOptions { Augment = new DigitAugmentOptions(), Noise = 0 };
        var elastic = affine with { Augment = affine.Augment with { ElasticPixels = 0.8f } };
        var a = DigitStrings.Generate(10, DigitSplit.Train, new Rng(4), affine);
        var e = DigitStrings.Generate(10, DigitSplit.Train, new Rng(4), elastic);
        Assert.Equal(e.Pixels, DigitStrings.Generate(10, DigitSplit.Train, new Rng(4), elastic).Pixels);
        Assert.Equal(a.Texts[0], e.Texts[0]);
        float diff = a.Pixels.Zip(e.Pixels).Take(1024).Sum(p => MathF.Abs(p.First - p.Second));
        Assert.True(diff > 5f, $"row 0 changed by {diff}");
        for (int n = 0; n < 10; n++)
        {
            var img = e.Pixels.AsSpan(n * 1024, 1024).ToArray();
            Assert.True(img.Count(v => v > 0.5f) > 5 * e.Texts[n].Length, $"row {n}: too little ink");
        }
    }

    [Fact]
    public void DigitStringsAreSeededAndShowTheirDigits()
    {
        var a = DigitStrings.Generate(20, DigitSplit.HeldOut, new Rng(5));
        var b = DigitStrings.Generate(20, DigitSplit.HeldOut, new Rng(5));
        Assert.Equal(a.Texts, b.Texts);
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.All(a.Texts, t => Assert.InRange(t.Length, 3, 6));
        Assert.All(a.Texts, t => Assert.True(t.All(char.IsAsciiDigit)));
        Assert.Equal(new[] { 20, 1, 16, 64 }, a.ToTensor().Shape);
        // ink: each image has bright pixels (digits) and mostly dark background
        for (int n = 0; n < 20; n++)
        {
            var img = a.Pixels.AsSpan(n * 1024, 1024).ToArray();
            Assert.True(img.Count(v => v > 0.5f) > 10 * a.Texts[n].Length);
            Assert.True(img.Count(v => v < 0.2f) > 400);
        }
    }

    [Fact]
    public void DigitAugmentationWarpsEachDigitButKeepsTheTextAndTheInk()
    {
        var rows = new DigitStringOptions { Augment = new DigitAugmentOptions() };
        var plain = DigitStrings.Generate(30, DigitSplit.Train, new Rng(9));
        var warped = DigitStrings.Generate(30, DigitSplit.Train, new Rng(9), rows);
        Assert.Equal(warped.Pixels, DigitStrings.Generate(30, DigitSplit.Train, new Rng(9), rows).Pixels);   // seeded
        Assert.Equal(plain.Texts[0], warped.Texts[0]);                   // the first row draws its digits before any warp
        Assert.NotEqual(plain.Pixels[..1024], warped.Pixels[..1024]);
        for (int n = 0; n < 30; n++)
        {
            var img = warped.Pixels.AsSpan(n * 1024, 1024).ToArray();
            Assert.True(img.Count(v => v > 0.5f) > 5 * warped.Texts[n].Length, $"row {n}: too little ink");
            Assert.True(img.Count(v => v < 0.2f) > 400);
        }
        // a zero warp (gamma 1) draws the same digit shapes as the plain path, up to the resampling grid
        var none = new DigitStringOptions { Augment = new DigitAugmentOptions { MaxRotationDegrees = 0, MaxShear = 0, MaxStretch = 0, MaxGamma = 1 } };
        var same = DigitStrings.Generate(1, DigitSplit.Train, new Rng(9), none);
        var first = DigitStrings.Generate(1, DigitSplit.Train, new Rng(9));
        Assert.Equal(first.Texts, same.Texts);
        float ink(float[] p) => p.Where(v => v > 0.3f).Sum();
        Assert.InRange(ink(same.Pixels) / ink(first.Pixels), 0.8f, 1.25f);
    }

    [Fact]
    public void PngRoundTripsAndBadFilesAreOneLineErrors()
    {
        using var dir = new TempDir();
        var img = Tensor.FromArray(Enumerable.Range(0, 3 * 4 * 5).Select(i => i / 59f).ToArray(), 3, 4, 5);
        var path = dir.File("x.png");
        ImageIO.WritePng(path, img);
        var back = ImageIO.Read(path, 3);
        Assert.True(back.AllClose(img, 0f, 0.5f / 255f + 1e-6f));
        Assert.Equal(new[] { 1, 4, 5 }, ImageIO.Read(path, 1).Shape);
        var bad = dir.Write("bad.png", "not an image");
        var e = Assert.Throws<UserInputException>(() => ImageIO.Read(bad));
        Assert.Contains("bad.png", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }
}

[Collection(EncDec.Tests.Cli.CliCollection.Name)]
public class VisionDemoCliTests
{
    [Fact]
    public void DigitsOcrDemoWritesModelSamplesAndFigure()
    {
        using var dir = new TempDir();
        var r = EncDec.Tests.Cli.CliRunner.Ok("demo", "--task", "digits-ocr", "--quick", "--steps", "2", "--test-size", "4", "--out", dir.Path);
        Assert.Contains("exact match", r.Stdout);
        Assert.Contains("held-out", r.Stdout);
        Assert.True(File.Exists(Path.Combine(dir.Path, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "sample_0.png")));
        var loaded = EncDec.IO.ModelStore.Load(dir.Path);
        Assert.IsType<EncDec.Models.ImageToSequenceModel>(loaded.Model);
        Assert.NotNull(loaded.TargetTokenizer);
    }

    [Fact]
    public void UnknownImageEncoderIsAOneLineError()
    {
        var line = EncDec.Tests.Cli.CliRunner.Fails("demo", "--task", "digits-ocr", "--model", "rnn", "--quick");
        Assert.Contains("--model", line);
    }
}
