using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EncDec.Cli;
using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Tests.Models;
using EncDec.Training;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>
/// Run folders: the lock names its pid and host and is taken over only from a dead process of this host; a diverged run
/// stops with exit 1 keeping the last good checkpoint (and writing no model from NaN weights); checkpoint metadata stays
/// bounded however long the run.
/// </summary>
[Collection(CliCollection.Name)]
public class RunFolderHardeningTests(SafetyCorpusFixture fx) : IClassFixture<SafetyCorpusFixture>
{
    [Fact]
    public void Lock_HoldsPidAndHost_AndIsRemovedOnRelease()
    {
        var run = Directory.CreateDirectory(fx.Dir.File("lock-content")).FullName;
        var lines = new List<string>();
        using (var l = RunLock.Acquire(run, lines.Add))
            Assert.Equal($"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}\n{Environment.MachineName}\n", File.ReadAllText(Path.Combine(run, RunLock.FileName)));
        Assert.False(File.Exists(Path.Combine(run, RunLock.FileName)));
        Assert.Empty(lines);
    }

    [Fact]
    public void Lock_OfAnotherHost_IsRefused_AndLeftAlone()
    {
        var run = Directory.CreateDirectory(fx.Dir.File("lock-host")).FullName;
        var lockFile = Path.Combine(run, RunLock.FileName);
        File.WriteAllText(lockFile, "12345\nsome-other-host\n");
        Assert.Equal($"error: {lockFile}: another trainer (pid 12345 on host some-other-host) is using this run folder; if it no longer runs, delete this lock file",
                     CliRunner.Fails(fx.Args(run, 2)));
        Assert.Equal("12345\nsome-other-host\n", File.ReadAllText(lockFile));
        Assert.Empty(RunFolder.Checkpoints(run));
    }

    [Fact]
    public void Lock_OfADeadProcessOnThisHost_IsTakenOver()
    {
        var run = Directory.CreateDirectory(fx.Dir.File("lock-dead")).FullName;
        var lockFile = Path.Combine(run, RunLock.FileName);
        using (var gone = Process.Start("/bin/true")!) { gone.WaitForExit(); File.WriteAllText(lockFile, $"{gone.Id}\n{Environment.MachineName}\n"); }
        var said = new List<string>();
        using (RunLock.Acquire(run, said.Add))
            Assert.StartsWith(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n", File.ReadAllText(lockFile));
        Assert.Matches(@"^taking over the stale lock .* \(pid \d+ is not running\)$", Assert.Single(said));
    }

    [Fact]
    public void DivergedRun_StopsWithExit1_KeepsTheLastGoodCheckpoint_WritesNoModel()
    {
        var run = fx.Dir.File("diverge");
        CliRunner.Ok(fx.Args(run, 2, "--checkpoint-every", "1"));
        var model = Path.Combine(run, RunFolder.ModelFile);
        var before = File.ReadAllBytes(model);
        var args = fx.Args(run, 6, "--checkpoint-every", "1");
        args[Array.IndexOf(args, "--lr") + 1] = "1e300";   // resumed with an absurd learning rate
        var r = CliRunner.Run(args);
        Assert.Equal(1, r.ExitCode);
        string last = Path.Combine(run, "checkpoints", "step_00000002.safetensors");
        Assert.Matches($@"^error: {Regex.Escape(run)}: training diverged: the weights became non-finite after the update of step 3 \(first: [\w.]+; lr [\dE+.]+\); "
                       + $@"the last good checkpoint {Regex.Escape(last)} is kept; lower --lr \(or raise --warmup, set --clip-norm\) and run again$", Assert.Single(r.ErrorLines));
        Assert.Equal(["step_00000001.safetensors", "step_00000002.safetensors"], RunFolder.Checkpoints(run).Select(Path.GetFileName));
        Assert.Equal(before, File.ReadAllBytes(model));        // the previous model, not NaN weights
        Assert.False(File.Exists(Path.Combine(run, RunLock.FileName)));
        Assert.Contains("\"type\":\"diverged\"", File.ReadAllText(Path.Combine(run, RunFolder.MetricsFile)));
        // the folder still resumes from its last good checkpoint
        Assert.Contains("resuming from", CliRunner.Ok(fx.Args(run, 3)).Stdout);
    }

    [Fact]
    public void SkippedStepsInARow_StopTrainingAsDiverged()
    {
        var (train, _) = ModelTestKit.SymbolTask(SyntheticTask.Copy, 64, 1, seed: 3);
        var config = ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 16, heads: 2, ffn: 16, layers: 1, dropout: 0f);
        var model = (EncoderDecoder)ModelFactory.Build(config);
        model.Generator.Bias!.Span[5] = float.NaN;   // every loss is NaN
        var trainer = new Trainer(model, ModelTestKit.Options(50, lr: 1e-3) with { MaxSkippedStepsInARow = 3 }, train, null, new BatcherOptions { BatchSize = 16 });
        var result = trainer.Train();
        Assert.Equal(StopReason.Diverged, result.Reason);
        Assert.Equal(3, result.Steps);
        Assert.Equal(3, result.SkippedSteps);
        Assert.Equal("3 steps in a row (up to step 3) were skipped for a non-finite loss or gradient", result.Detail);
    }

    [Fact]
    public void CheckpointLosses_AreBounded()
    {
        var (train, _) = ModelTestKit.SymbolTask(SyntheticTask.Copy, 64, 1, seed: 3);
        var config = ModelTestKit.Transformer(ModelTestKit.SymbolVocab, ModelTestKit.SymbolVocab, d: 16, heads: 2, ffn: 16, layers: 1, dropout: 0f);
        using var dir = new TempDir();
        var trainer = new Trainer(ModelFactory.Build(config), ModelTestKit.Options(7, lr: 1e-3) with { StoredLosses = 3, CheckpointEvery = 0 }, train, null,
                                  new BatcherOptions { BatchSize = 16 })
        { RunDirectory = dir.Path, CheckpointStore = SafeTensorsCheckpointStore.Instance };
        var result = trainer.Train();
        var snapshot = SafeTensorsCheckpointStore.Instance.Load(result.LastCheckpoint!);
        var stored = JsonSerializer.Deserialize<double[]>(snapshot.Extra["losses"])!;
        Assert.Equal(result.Losses.Skip(4), stored);   // the last 3 of 7
    }

    [Fact]
    public void Resume_WithAnotherWidth_IsOneShortLineNamingTheFileAndTheFirstSetting()
    {
        var run = fx.Dir.File("width");
        CliRunner.Ok(fx.Args(run, 2));
        string ckpt = Path.Combine(run, "checkpoints", "step_00000002.safetensors");
        var args = fx.Args(run, 4);
        args[Array.IndexOf(args, "--d-model") + 1] = "32";
        Assert.Equal($"error: {ckpt}: d_model is 16 in this run but 32 was asked for; use --fresh to start over", CliRunner.Fails(args));
        args[Array.IndexOf(args, "--hidden-size") + 1] = "32";
        args[Array.IndexOf(args, "--layers") + 1] = "2";
        Assert.Equal($"error: {ckpt}: d_model is 16 in this run but 32 was asked for (and 2 more settings differ); use --fresh to start over", CliRunner.Fails(args));
        Assert.Equal(["step_00000002.safetensors"], RunFolder.Checkpoints(run).Select(Path.GetFileName));
    }

    [Fact]
    public async Task RepeatedSigterm_Exits143_WithTheLockReleasedAndNoTemporaryFiles()
    {
        var run = fx.Dir.File("double-term");
        string dll = Path.Combine(AppContext.BaseDirectory, "EncDec.Cli.dll");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var arg in fx.Args(run, 400)) psi.ArgumentList.Add(arg);
        using var child = Process.Start(psi)!;
        var stdoutTask = child.StandardOutput.ReadToEndAsync();
        var stderrTask = child.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(run, RunLock.FileName)))   // the lock is taken before the first step
        {
            Assert.False(child.HasExited, "the trainer ended before taking its lock");
            Assert.True(clock.Elapsed.TotalSeconds < 120, "no lock after 120 s");
            Thread.Sleep(5);
        }
        foreach (var _ in new[] { 1, 2 })
            using (var kill = Process.Start("/bin/kill", ["-TERM", child.Id.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120))) await child.WaitForExitAsync(timeout.Token);
        string stdout = await stdoutTask, stderr = await stderrTask;
        Assert.True(child.ExitCode == 143, $"exit {child.ExitCode}\n{stdout}\n{stderr}");
        Assert.Equal("", stderr);
        Assert.Contains("SIGTERM: stopping after the current step", stdout);
        // (the kernel may merge the two signals into one, so whether the second one or the step's end stopped it varies)
        Assert.False(File.Exists(Path.Combine(run, RunLock.FileName)));
        Assert.Empty(Directory.EnumerateFiles(run, "*.tmp", SearchOption.AllDirectories));
    }
}
