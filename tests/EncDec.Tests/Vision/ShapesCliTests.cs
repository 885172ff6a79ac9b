using EncDec.Models;
using EncDec.Tests.Cli;
using EncDec.Vision;
using Xunit;

namespace EncDec.Tests.Vision;

[Collection(CliCollection.Name)]
public class ShapesCliTests
{
    [Fact]
    public void SegDemoWritesAUNetAndSegmentWritesItsMask()
    {
        using var dir = new TempDir();
        var run = Path.Combine(dir.Path, "seg");
        var r = CliRunner.Ok("demo", "--task", "shapes-seg", "--quick", "--steps", "2", "--test-size", "4", "--out", run);
        Assert.Contains("mean IoU", r.Stdout);
        Assert.True(File.Exists(Path.Combine(run, "sample_0_mask.png")));
        Assert.IsType<UNet>(EncDec.IO.ModelStore.Load(run).Model);
        var mask = dir.File("mask.png");
        var s = CliRunner.Ok("segment", "--model", run, Path.Combine(run, "sample_0.png"), "--output", mask);   // 128×128: resized to 32×32 and back
        Assert.Contains("class 0:", s.Stdout);
        Assert.Equal(new[] { 3, 128, 128 }, ImageIO.Read(mask).Shape);
        Assert.Contains("none.png", CliRunner.Fails("segment", "--model", run, dir.File("none.png"), "--output", mask));   // a missing image is named
    }

    [Fact]
    public void CaptionDemoTrainsAndCaptionReadsItsSamples()
    {
        using var dir = new TempDir();
        var run = Path.Combine(dir.Path, "cap");
        var r = CliRunner.Ok("demo", "--task", "shapes-caption", "--quick", "--steps", "2", "--test-size", "4", "--out", run);
        Assert.Contains("exact match, held-out scenes", r.Stdout);
        Assert.Contains("unseen colour-shape pairs", r.Stdout);
        var c = CliRunner.Ok("caption", "--model", run, Path.Combine(run, "sample_0.png"), Path.Combine(run, "sample_1.png"), "--beam", "2");
        Assert.Equal(2, c.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var line = CliRunner.Fails("segment", "--model", run, Path.Combine(run, "sample_0.png"), "--output", dir.File("m.png"));
        Assert.Contains("cannot segment", line);
    }

    [Fact]
    public void RetrievalDemoReportsRecallBothWays()
    {
        using var dir = new TempDir();
        var r = CliRunner.Ok("demo", "--task", "shapes-retrieval", "--quick", "--steps", "2", "--test-size", "8", "--out", dir.Path);
        Assert.Contains("image→text recall@1", r.Stdout);
        Assert.Contains("text→image recall@1", r.Stdout);
        Assert.IsType<DualEncoder>(EncDec.IO.ModelStore.Load(dir.Path).Model);
        Assert.Contains("i2t_r1", File.ReadAllText(Path.Combine(dir.Path, "metrics.jsonl")));
    }
}
