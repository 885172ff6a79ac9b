using System.Diagnostics;
using EncDec.Cli;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>The committed example config, and the <c>encdec</c> launcher beside the build.</summary>
[Collection(CliCollection.Name)]
public class TrainConfigTests
{
    [Fact]
    public void ExampleTransformerConfig_ParsesToItsValues()
    {
        var path = Path.Combine(CliRunner.RepoRoot(), "examples", "train-transformer.yaml");
        var s = TrainSpec.FromYaml(path);
        Assert.Equal("data/train.de", s.TrainSrc);
        Assert.Equal("data/train.en", s.TrainTgt);
        Assert.Equal("data/valid.de", s.ValidSrc);
        Assert.Equal("data/valid.en", s.ValidTgt);
        Assert.Equal("runs/transformer-de-en", s.Out);
        Assert.Equal("bpe", s.Tokenizer);
        Assert.Equal(8000, s.VocabSize);
        Assert.True(s.JointVocab);
        Assert.Equal("transformer", s.Model);
        Assert.Equal(256, s.DModel);
        Assert.Equal(4, s.Heads);
        Assert.Equal(1024, s.FeedForward);
        Assert.Equal(3, s.Layers);
        Assert.Equal(0.1f, s.Dropout);
        Assert.True(s.TieOutput);
        Assert.Equal(20000, s.MaxSteps);
        Assert.Equal(120.0, s.MaxMinutes);
        Assert.Equal(0.0007, s.Lr);
        Assert.Equal(4000, s.Warmup);
        Assert.Equal(4096, s.BatchTokens);
        Assert.Equal(128, s.MaxLength);
        Assert.Equal(0.1f, s.LabelSmoothing);
        Assert.Equal(2, s.GradAccumulation);
        Assert.Equal(1000, s.ValidEvery);
        Assert.Equal(1000, s.CheckpointEvery);
        Assert.Equal(3, s.KeepCheckpoints);
        Assert.Equal(5, s.Patience);
        Assert.Equal(42, s.Seed);
        Assert.False(s.Fresh);
        s.Validate();   // a usable training spec
    }

    [Fact]
    public void FlagsOverrideTheConfig()
    {
        // the config names no corpus files that exist: the error shows the flag's value won over the file's
        using var d = new TempDir();
        var cfg = d.Write("c.yaml", $"train_src: {d.File("from-config.src")}\ntrain_tgt: {d.File("t.tgt")}\nmodel: rnn\n");
        var line = CliRunner.Fails("train", "--config", cfg, "--train-src", d.File("from-flag.src"));
        Assert.Equal($"error: {d.File("from-flag.src")}: file not found", line);
    }

    [Fact]
    public async Task Launcher_PrintsHelp()
    {
        if (OperatingSystem.IsWindows()) return;    // the launcher copy is made on Unix builds only
        // tests/EncDec.Tests/bin/<Configuration>/<tfm>/ → src/EncDec.Cli/bin/<Configuration>/<tfm>/encdec
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var launcher = Path.Combine(CliRunner.RepoRoot(), "src", "EncDec.Cli", "bin", tfmDir.Parent!.Name, tfmDir.Name, "encdec");
        Assert.True(File.Exists(launcher), $"{launcher} not found");
        var psi = new ProcessStartInfo(launcher, "--help")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, p.ExitCode);
        Assert.Equal("", await stderr);
        var help = await stdout;
        Assert.Contains("Usage:", help);
        foreach (var cmd in new[] { "demo", "train", "translate", "eval", "info", "tokenizer" }) Assert.Contains(cmd, help);
    }
}
