using EncDec.Cli;
using EncDec.Tests.Cli;
using Xunit;

namespace EncDec.Tests.Vision;

/// <summary><c>encdec train --task image2seq|segment|dual --config FILE</c> and <c>--print-config</c>: the image settings as YAML keys.</summary>
[Collection(CliCollection.Name)]
public class VisionTrainConfigTests
{
    [Fact]
    public void ConfigKeysReachTheImageRun_FlagsOverrideThem_AndPrintConfigReadsBack()
    {
        using var dir = new TempDir();
        var (images, captions, _) = VisionTrainCliTests.Folder(dir);
        var run = Path.Combine(dir.Path, "run");
        var cfg = dir.Write("ocr.yaml", $"""
            task: image2seq
            images: {images}
            labels: {captions}
            image_encoder: vit
            channels: 1
            d_model: 16
            layers: 1
            heads: 2
            feed_forward: 32
            batch_size: 4
            max_steps: 3
            log_every: 1
            out: {run}
            """);

        // --print-config: the file's keys over the image defaults (lr 3e-3, warm-up 60), a flag over the file
        var printed = CliRunner.Ok("train", "--config", cfg, "--print-config", "--max-steps", "2").Stdout;
        var spec = TrainSpec.FromYaml(dir.Write("printed.yaml", printed));
        Assert.Equal(("image2seq", images, captions, "vit", 1), (spec.Task, spec.Images, spec.Labels, spec.ImageEncoder, spec.Channels));
        Assert.Equal((16, 1, 2L, 4), (spec.DModel, spec.Layers, spec.MaxSteps, spec.BatchSize));
        Assert.Equal((3e-3, 60, 0f), (spec.Lr, spec.Warmup, spec.LabelSmoothing));   // not in the file: the image run's defaults
        Assert.Equal(printed, CliRunner.Ok("train", "--config", dir.File("printed.yaml"), "--print-config").Stdout);

        // the run itself uses them: a ViT on grey images, d 16, the flag's 2 steps
        var r = CliRunner.Ok("train", "--config", cfg, "--max-steps", "2");
        Assert.Contains("32×32, 1 channel", r.Stdout);
        Assert.Contains("vit encoder + 1-layer Transformer decoder, d 16", r.Stdout);
        Assert.Contains("2 steps of batch 4", r.Stdout);
        var model = EncDec.IO.ModelStore.Load(run);
        Assert.Equal(2, model.Step);
        Assert.Equal(1, model.Config.Vision!.Channels);
    }

    [Fact]
    public void BadKeysAndValuesAreOneLineNamingTheFileAndLine()
    {
        using var dir = new TempDir();
        var unknown = dir.Write("bad.yaml", "task: segment\nimages: imgs\nimage_size: 32\n");
        var e = CliRunner.Fails("train", "--config", unknown);
        Assert.Contains("bad.yaml:3", e);
        Assert.Contains("unknown setting 'image_size'", e);
        Assert.Single(e.Trim().Split('\n'));

        var encoder = dir.Write("enc.yaml", "task: dual\nimage_encoder: resnet\n");
        Assert.Contains("--image-encoder", CliRunner.Fails("train", "--config", encoder, "--print-config"));
        var channels = dir.Write("ch.yaml", "task: image2seq\nchannels: two\n");
        Assert.Contains("ch.yaml:2", CliRunner.Fails("train", "--config", channels));
        // an image key in a text run's config is refused like the flag
        var text = dir.Write("text.yaml", "train_src: a.src\ntrain_tgt: a.tgt\nlabels: l.tsv\n");
        Assert.Contains("--labels", CliRunner.Fails("train", "--config", text));
    }
}
