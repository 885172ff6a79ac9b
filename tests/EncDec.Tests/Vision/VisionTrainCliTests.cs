using EncDec.Models;
using EncDec.Tensors;
using EncDec.Tests.Cli;
using EncDec.Vision;
using Xunit;

namespace EncDec.Tests.Vision;

/// <summary><c>encdec train --task image2seq|segment|dual</c> on an image folder, <c>caption --attention</c>, and the user mistakes.</summary>
[Collection(CliCollection.Name)]
public class VisionTrainCliTests
{
    private static readonly string[] Small = ["--d-model", "16", "--layers", "1", "--heads", "2", "--feed-forward", "32", "--batch-size", "4", "--log-every", "1"];

    /// <summary>Eight training scenes as PNGs in DIR/images, their captions in captions.tsv and masks (grey = class) in masks.tsv.</summary>
    internal static (string Images, string Captions, string Masks) Folder(TempDir dir)
    {
        var images = Path.Combine(dir.Path, "images");
        Directory.CreateDirectory(images);
        var scenes = ShapeScenes.Generate(ShapeSplit.Train, 0, 8, new ShapeSceneOptions());
        var t = scenes.ToTensor();                                                       // (8, 3, 32, 32)
        var caps = new List<string>(); var masks = new List<string>();
        for (int i = 0; i < scenes.Count; i++)
        {
            ImageIO.WritePng(Path.Combine(images, $"s{i}.png"), t.Select(0, i).Contiguous());
            var m = scenes.Masks.AsSpan(i * 1024, 1024).ToArray().Select(c => c / 255f).ToArray();
            ImageIO.WritePng(Path.Combine(images, $"s{i}_mask.png"), Tensor.FromArray(m, 32, 32));
            caps.Add($"s{i}.png\t{scenes.Captions[i]}");
            masks.Add($"s{i}.png\ts{i}_mask.png");
        }
        var captions = dir.File("captions.tsv"); File.WriteAllLines(captions, caps);
        var maskFile = dir.File("masks.tsv"); File.WriteAllLines(maskFile, masks);
        return (images, captions, maskFile);
    }

    [Fact]
    public void Image2SeqTrainsCheckpointsResumesAndCaptionWritesAttention()
    {
        using var dir = new TempDir();
        var (images, captions, masks) = Folder(dir);
        var run = Path.Combine(dir.Path, "run");
        string[] Args(int steps) => ["train", "--task", "image2seq", "--images", images, "--labels", captions, "--valid-labels", captions, "--out", run,
                                     "--max-steps", steps.ToString(), "--checkpoint-every", "2", "--valid-every", "2", .. Small];
        var r = CliRunner.Ok(Args(4));
        Assert.Contains("8 training images, 8 validation, 32×32, 3 channels", r.Stdout);
        Assert.Contains("validation: exact match", r.Stdout);
        Assert.True(File.Exists(Path.Combine(run, "model.safetensors")));
        Assert.True(File.Exists(EncDec.Training.RunCheckpoints.PathOf(run, 4)));
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(4, metrics.Count(l => l.Contains("\"type\":\"step\"")));
        Assert.Equal(2, metrics.Count(l => l.Contains("\"type\":\"valid\"") && l.Contains("exact_match")));   // step 2 and the end

        var again = CliRunner.Ok(Args(6));                                               // resumes at step 4
        Assert.Contains("(step 4)", again.Stdout);
        Assert.Contains("trained 2 steps", again.Stdout);
        Assert.True(File.Exists(EncDec.Training.RunCheckpoints.PathOf(run, 6)));
        var model = EncDec.IO.ModelStore.Load(run);
        Assert.IsType<ImageToSequenceModel>(model.Model);
        Assert.Equal(6, model.Step);

        var attn = Path.Combine(dir.Path, "attn");
        var c = CliRunner.Ok("caption", "--model", run, Path.Combine(images, "s0.png"), "--attention", attn, "--max-length", "3");
        var png = Path.Combine(attn, "s0.attention.png");
        Assert.Contains(png, c.Stdout);
        var overlay = ImageIO.Read(png);
        int tokens = (overlay.Shape[2] + 1) / 129;                                       // panels of 128 + 1 separator
        Assert.Equal(new[] { 3, 128, tokens * 129 - 1 }, overlay.Shape);
        Assert.InRange(tokens, 1, 4);                                                    // at most max-length + end of sequence

        // a checkpoint of another task is refused before any work
        Assert.Contains("--fresh", CliRunner.Fails("train", "--task", "segment", "--images", images, "--labels", masks, "--out", run, "--max-steps", "8"));
    }

    [Fact]
    public void SegmentAndDualTrainOnTheFolder()
    {
        using var dir = new TempDir();
        var (images, captions, masks) = Folder(dir);
        var seg = Path.Combine(dir.Path, "seg");
        var s = CliRunner.Ok(["train", "--task", "segment", "--images", images, "--labels", masks, "--valid-labels", masks, "--out", seg, "--max-steps", "2", .. Small]);
        Assert.Contains("4 classes", s.Stdout);
        Assert.Contains("mean_iou", File.ReadAllText(Path.Combine(seg, "metrics.jsonl")));
        Assert.Equal(4, Assert.IsType<UNet>(EncDec.IO.ModelStore.Load(seg).Model).NumClasses);
        Assert.Contains("class 0:", CliRunner.Ok("segment", "--model", seg, Path.Combine(images, "s1.png"), "--output", dir.File("m.png")).Stdout);

        var dual = Path.Combine(dir.Path, "dual");
        var d = CliRunner.Ok(["train", "--task", "dual", "--images", images, "--labels", captions, "--valid-labels", captions, "--out", dual, "--max-steps", "2", "--image-encoder", "vit", .. Small]);
        Assert.Contains("recall@1 image→text", d.Stdout);
        Assert.Contains("i2t_r1", File.ReadAllText(Path.Combine(dual, "metrics.jsonl")));
        Assert.IsType<DualEncoder>(EncDec.IO.ModelStore.Load(dual).Model);
    }

    [Fact]
    public void MistakesAreOneLineNamingTheFileAndLine()
    {
        using var dir = new TempDir();
        var (images, captions, _) = Folder(dir);
        var run = Path.Combine(dir.Path, "run");
        string Fail(string labels, params string[] more) => CliRunner.Fails(["train", "--task", "image2seq", "--images", images, "--labels", labels, "--out", run, .. more]);

        var noTab = dir.File("notab.tsv"); File.WriteAllLines(noTab, ["s0.png\ta small red circle", "s1.png a caption without a tab"]);
        Assert.Contains("notab.tsv:2", Fail(noTab));
        var missing = dir.File("missing.tsv"); File.WriteAllLines(missing, ["# comment", "gone.png\ta caption"]);
        var m = Fail(missing);
        Assert.Contains("missing.tsv:2", m);
        Assert.Contains("gone.png", m);
        var broken = Path.Combine(images, "broken.png"); File.WriteAllText(broken, "not a png");
        var bad = dir.File("bad.tsv"); File.WriteAllLines(bad, ["broken.png\tx"]);
        Assert.Contains("bad.tsv:1", Fail(bad));
        Assert.Contains("none.tsv", Fail(dir.File("none.tsv")));
        Assert.Contains("--channels", Fail(captions, "--channels", "2"));
        Assert.Contains("--image-encoder", Fail(captions, "--image-encoder", "resnet"));
        Assert.Contains("--task", CliRunner.Fails("train", "--task", "detect", "--images", images, "--labels", captions, "--out", run));
        Assert.Contains("--images", CliRunner.Fails("train", "--images", images, "--train-src", captions, "--train-tgt", captions, "--out", run));
        var blank = Path.Combine(images, "blank.png"); ImageIO.WritePng(blank, Tensor.Zeros(32, 32));
        var allZero = dir.File("zero.tsv"); File.WriteAllLines(allZero, ["s0.png\tblank.png"]);    // an all-black mask: one class only
        Assert.Contains("zero.tsv", CliRunner.Fails("train", "--task", "segment", "--images", images, "--labels", allZero, "--out", run));
        var small = Path.Combine(images, "small.png"); ImageIO.WritePng(small, Tensor.Zeros(16, 16));
        var wrongSize = dir.File("size.tsv"); File.WriteAllLines(wrongSize, ["s0.png\tsmall.png"]);
        Assert.Contains("size.tsv:1", CliRunner.Fails("train", "--task", "segment", "--images", images, "--labels", wrongSize, "--out", run));
        Assert.False(Directory.Exists(run) && Directory.EnumerateFiles(run, "*.safetensors", SearchOption.AllDirectories).Any());   // no mistake trained anything
    }
}
