using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EncDec.Cli;
using EncDec.Data;
using EncDec.IO;
using EncDec.Metrics;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>A tiny reversal corpus (train and validation) for the training-safety tests.</summary>
public sealed class SafetyCorpusFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Src { get; }
    public string Tgt { get; }
    public string ValidSrc { get; }
    public string ValidTgt { get; }

    public SafetyCorpusFixture()
    {
        // words over a skewed alphabet, reversed: after a few steps the model already emits the frequent letters,
        // so its outputs overlap the references (chrF > 0)
        var rng = new Random(11);
        var pairs = Enumerable.Range(0, 160).Select(_ =>
        {
            var w = new string(Enumerable.Range(0, rng.Next(3, 9)).Select(_ => "aaabcd"[rng.Next(6)]).ToArray());
            return new SentencePair(w, new string(w.Reverse().ToArray()));
        }).ToList();
        Src = Dir.File("train.src"); Tgt = Dir.File("train.tgt");
        SyntheticTasks.WriteFiles(pairs.Skip(20), Src, Tgt);
        // Validation references with characters the (character) tokenizer never saw: their tokenised form
        // detokenises to other text, so scoring against it would differ from scoring the raw lines.
        ValidSrc = Dir.File("valid.src"); ValidTgt = Dir.File("valid.tgt");
        var valid = pairs.Take(20).Select((p, i) => p with { Target = i % 2 == 0 ? p.Target + " ÄÖ!" : p.Target + "!" }).ToList();
        SyntheticTasks.WriteFiles(valid, ValidSrc, ValidTgt);
    }

    /// <summary><c>train</c> arguments for a very small, fast RNN.</summary>
    public string[] Args(string outDir, int steps, params string[] more) =>
    [
        "train", "--model", "rnn", "--train-src", Src, "--train-tgt", Tgt, "--tokenizer", "char", "--d-model", "16", "--hidden-size", "16",
        "--layers", "1", "--batch-tokens", "200", "--lr", "0.01", "--warmup", "4", "--log-every", "1",
        "--max-steps", steps.ToString(CultureInfo.InvariantCulture), "--out", outDir, .. more,
    ];

    public string[] ValidArgs => ["--valid-src", ValidSrc, "--valid-tgt", ValidTgt];

    public void Dispose() => Dir.Dispose();
}

/// <summary>
/// <c>encdec train</c> is safe to stop, resume, restart and run twice: SIGTERM checkpoints and exits 143, a resume repeats
/// the uninterrupted run, --fresh keeps its own checkpoints, a run folder has one trainer at a time, mismatched settings and
/// corrupt checkpoints are handled, a finished run is left alone; validation scores like <c>encdec eval</c>; averaging.
/// </summary>
[Collection(CliCollection.Name)]
public class TrainSafetyTests(SafetyCorpusFixture fx) : IClassFixture<SafetyCorpusFixture>
{
    private static List<JsonElement> Metrics(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    /// <summary>step → loss (as JSON text, so equality is bit-exact) of the step lines of a run's metrics.jsonl.</summary>
    private static Dictionary<long, string> StepLosses(string run)
    {
        var d = new Dictionary<long, string>();
        foreach (var e in Metrics(run).Where(e => e.GetProperty("type").GetString() == "step"))
            d[e.GetProperty("step").GetInt64()] = e.GetProperty("loss").GetRawText();
        return d;
    }

    /// <summary>
    /// Runs <c>dotnet EncDec.Cli.dll ARGS</c> as a child process, waits until its metrics.jsonl shows a training step,
    /// sends <paramref name="signal"/> with /bin/kill and returns the exit code and output.
    /// </summary>
    private static async Task<(int Exit, string Stdout, string Stderr)> StopChild(string[] args, string run, string signal)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "EncDec.Cli.dll");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        using var child = Process.Start(psi)!;
        var stdoutTask = child.StandardOutput.ReadToEndAsync();
        var stderrTask = child.StandardError.ReadToEndAsync();

        // metrics.jsonl is written line by line: wait until it shows a training step, then stop the trainer
        var metrics = Path.Combine(run, "metrics.jsonl");
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(metrics) && ReadShared(metrics).Contains("\"type\":\"step\"", StringComparison.Ordinal)))
        {
            Assert.False(child.HasExited, "the trainer ended before its first step");
            Assert.True(clock.Elapsed.TotalSeconds < 120, "no step line in metrics.jsonl after 120 s");
            Thread.Sleep(10);
        }
        using (var kill = Process.Start("/bin/kill", ["-" + signal, child.Id.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120))) await child.WaitForExitAsync(timeout.Token);
        return (child.ExitCode, await stdoutTask, await stderrTask);
    }

    [Fact]
    public async Task Sigterm_ChildProcess_CheckpointsAndExits143_ResumeRepeatsUninterruptedRun()
    {
        const int steps = 30;
        var run = fx.Dir.File("sigterm");
        var args = fx.Args(run, steps);
        var (exit, stdout, stderr) = await StopChild(args, run, "TERM");
        Assert.True(exit == 143, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Equal("", stderr);
        var m = Regex.Match(stdout, @"^stopped by SIGTERM at step (\d+); checkpoint (\S+); run the same command to resume$", RegexOptions.Multiline);
        Assert.True(m.Success, stdout);
        long stoppedAt = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(stoppedAt, 1, steps - 1);
        Assert.True(File.Exists(m.Groups[2].Value), m.Groups[2].Value);
        Assert.EndsWith($"step_{stoppedAt:D8}.safetensors", m.Groups[2].Value);
        Assert.False(File.Exists(Path.Combine(run, "train.lock")), "the lock is released on a stop");

        // the same command resumes and finishes; every step's loss equals an uninterrupted run's, and so do the weights
        var resumed = CliRunner.Ok(args);
        Assert.Contains($"resuming from {m.Groups[2].Value} (step {stoppedAt})", resumed.Stdout);
        var straight = fx.Dir.File("straight");
        CliRunner.Ok(fx.Args(straight, steps));
        var a = StepLosses(run);
        var b = StepLosses(straight);
        Assert.Equal(Enumerable.Range(1, steps).Select(i => (long)i), b.Keys.Order());
        Assert.Equal(b.Keys.Order(), a.Keys.Order());
        foreach (var (step, loss) in b) Assert.True(a[step] == loss, $"step {step}: {a[step]} after the stop and resume, {loss} uninterrupted");
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(run, "model.safetensors")));
    }

    [Fact]
    public async Task Sigint_ChildProcess_CheckpointsAndExits130()
    {
        // A process started in the background by a shell without job control ignores SIGINT, and so would the child:
        // then there is no SIGINT to test (SIGTERM, above, is never ignored that way).
        if (SigIntIgnored()) return;
        var run = fx.Dir.File("sigint");
        var (exit, stdout, stderr) = await StopChild(fx.Args(run, 40), run, "INT");
        Assert.True(exit == 130, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Equal("", stderr);
        var m = Regex.Match(stdout, @"^stopped by SIGINT at step (\d+); checkpoint (\S+); run the same command to resume$", RegexOptions.Multiline);
        Assert.True(m.Success, stdout);
        Assert.Equal(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Checkpoint.Load(m.Groups[2].Value).GlobalStep);
    }

    private static bool SigIntIgnored()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 0b10) != 0;
    }

    private static string ReadShared(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(fs).ReadToEnd();
    }

    [Fact]
    public void Metrics_StepAndValidLines_HaveTheDocumentedFields()
    {
        var run = fx.Dir.File("fields");
        CliRunner.Ok([.. fx.Args(run, 3), .. fx.ValidArgs]);
        var lines = Metrics(run);
        var step = lines.First(e => e.GetProperty("type").GetString() == "step");
        foreach (var key in new[] { "step", "epoch", "loss", "lr", "grad_norm", "tokens_per_s", "managed_bytes", "rss_bytes", "peak_rss_bytes", "elapsed_s" })
            Assert.True(step.TryGetProperty(key, out _), $"step line lacks '{key}': {step}");
        Assert.Equal(1, step.GetProperty("step").GetInt64());
        Assert.True(step.GetProperty("rss_bytes").GetInt64() > 10_000_000);
        Assert.True(step.GetProperty("peak_rss_bytes").GetInt64() >= step.GetProperty("rss_bytes").GetInt64());
        Assert.True(step.GetProperty("managed_bytes").GetInt64() > 0);
        Assert.True(step.GetProperty("tokens_per_s").GetDouble() > 0);
        var valid = lines.Single(e => e.GetProperty("type").GetString() == "valid");
        foreach (var key in new[] { "step", "loss", "ppl", "bleu", "chrf", "exact_match", "best" })
            Assert.True(valid.TryGetProperty(key, out _), $"valid line lacks '{key}': {valid}");
        Assert.Equal(3, valid.GetProperty("step").GetInt64());
        Assert.True(valid.GetProperty("best").GetBoolean());
    }

    [Fact]
    public void Metrics_StepLine_IsReadableWhileTraining()
    {
        var run = fx.Dir.File("live");
        var pairs = ParallelCorpus.FromFiles(fx.Src, fx.Tgt).ToList();
        var tok = EncDec.Text.Tokenizer.Train(EncDec.Text.TokenizerKind.Char, pairs.Select(p => p.Source).Concat(pairs.Select(p => p.Target)), 100);
        var config = new EncDec.Models.ModelConfig
        {
            Family = EncDec.Models.ModelFamily.Rnn, SrcVocabSize = tok.Vocab.Count, TgtVocabSize = tok.Vocab.Count, DModel = 8, HiddenSize = 8,
            EncoderLayers = 1, DecoderLayers = 1, Attention = EncDec.Models.AttentionKind.Bahdanau, Seed = 1,
        };
        var seen = new List<string>();
        var job = new TrainJob(run, config, new EncDec.Training.TrainerOptions { MaxSteps = 3, LogEvery = 1, CheckpointEvery = 0 },
                               new BatcherOptions { BatchSize = 8 }, Examples.Tokenize(pairs, tok, tok), null, null, tok, tok)
        {
            // read the file while the trainer still has it open, right after each step
            OnStep = s => seen.Add(ReadShared(Path.Combine(run, "metrics.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]),
        };
        var result = TrainRun.Run(new Ui(TextWriter.Null), job, CancellationToken.None);
        Assert.Equal(3, result.Result.Steps);
        Assert.Equal(3, seen.Count);
        for (int i = 0; i < 3; i++)
        {
            using var line = JsonDocument.Parse(seen[i]);
            Assert.Equal("step", line.RootElement.GetProperty("type").GetString());
            Assert.Equal(i + 1, line.RootElement.GetProperty("step").GetInt64());
            Assert.Equal(result.Result.Losses[i], line.RootElement.GetProperty("loss").GetDouble());
        }
    }

    [Fact]
    public void Config_AverageLastAndBestMetric_FromYamlAndFlags()
    {
        var yaml = fx.Dir.Write("safety.yaml", "average_last: 2\nbest_metric: bleu\n");
        var spec = TrainSpec.FromYaml(yaml);
        Assert.Equal(2, spec.AverageLast);
        Assert.Equal("bleu", spec.BestMetric);
        Assert.Equal(EncDec.Training.ValidationMetric.Bleu, TrainCommand.ParseBestMetric(spec.BestMetric));
        Assert.Equal("error: --best-metric: unknown metric 'chrf' (expected loss or bleu)",
                     CliRunner.Fails([.. fx.Args(fx.Dir.File("bad-metric"), 2), "--best-metric", "chrf"]));
        Assert.Equal("error: average_last (--average-last) 5 is more than keep_checkpoints 3: only the last 3 checkpoints are kept",
                     CliRunner.Fails([.. fx.Args(fx.Dir.File("bad-average"), 2), "--average-last", "5"]));
    }

    [Fact]
    public void Validation_ScoresTheRawReferencesExactlyAsEval()
    {
        var run = fx.Dir.File("valid-eval");
        var r = CliRunner.Ok([.. fx.Args(run, 12), .. fx.ValidArgs]);
        var v = Metrics(run).Last(e => e.GetProperty("type").GetString() == "valid");
        var hyps = MetricFiles.ReadLines(Path.Combine(run, "valid.hyp"));
        var refs = MetricFiles.ReadLines(fx.ValidTgt);
        Assert.Equal(refs.Count, hyps.Count);   // the whole validation set is decoded
        double bleu = Bleu.Corpus(hyps, new[] { refs }).Score, chrf = ChrF.Corpus(hyps, new[] { refs }).Score;
        Assert.Equal(bleu, v.GetProperty("bleu").GetDouble());
        Assert.Equal(chrf, v.GetProperty("chrf").GetDouble());
        Assert.True(chrf > 1, $"chrF {chrf}: the test needs outputs that overlap the references");
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"bleu {bleu:F2}"), r.Stdout);

        // encdec eval on the same files prints the same numbers
        var e = CliRunner.Ok("eval", "--hyp", Path.Combine(run, "valid.hyp"), "--ref", fx.ValidTgt, "--json");
        using var doc = JsonDocument.Parse(e.Stdout);
        Assert.Equal(bleu, doc.RootElement.GetProperty("bleu").GetDouble(), 2);
        Assert.Equal(chrf, doc.RootElement.GetProperty("chrf").GetDouble(), 2);

        // the references as the tokenizer sees them (unknown characters lost) would give another chrF
        var tok = EncDec.Text.Tokenizer.Load(Path.Combine(run, "target.tokenizer.json"));
        var roundTripped = refs.Select(x => tok.Decode(tok.Encode(x))).ToList();
        Assert.NotEqual(chrf, ChrF.Corpus(hyps, new[] { roundTripped }).Score);
    }

    [Fact]
    public void Fresh_MovesTheOldRunAside_AndKeepsItsOwnCheckpoints()
    {
        var run = fx.Dir.File("fresh");
        CliRunner.Ok([.. fx.Args(run, 9), "--checkpoint-every", "3"]);
        var fresh = CliRunner.Ok([.. fx.Args(run, 4), "--checkpoint-every", "2", "--fresh"]);
        Assert.Contains("--fresh: moved the previous run's", fresh.Stdout);
        Assert.DoesNotContain("resuming", fresh.Stdout);
        Assert.Equal(new[] { "step_00000002.safetensors", "step_00000004.safetensors" },
                     RunFolder.Checkpoints(run).Select(Path.GetFileName));
        var old = Assert.Single(Directory.GetDirectories(run, "old-*"));
        Assert.Equal(new[] { "step_00000003.safetensors", "step_00000006.safetensors", "step_00000009.safetensors" },
                     RunFolder.Checkpoints(old).Select(Path.GetFileName));
        Assert.Equal(9, StepLosses(old).Keys.Max());
        Assert.Equal(4, StepLosses(run).Keys.Max());
        // a later resume continues the new run, not the old one's higher-numbered checkpoints
        var again = CliRunner.Ok(fx.Args(run, 6));
        Assert.Matches(@"resuming from .*step_00000004\.safetensors \(step 4\)", again.Stdout);
    }

    [Fact]
    public void Lock_RefusesASecondTrainer()
    {
        var run = fx.Dir.File("locked");
        Directory.CreateDirectory(run);
        var lockFile = Path.Combine(run, "train.lock");
        string pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(lockFile, pid + "\n");    // a live process (this one) holds the folder
        var error = CliRunner.Fails(fx.Args(run, 2));
        Assert.Equal($"error: {lockFile}: another trainer (pid {pid}) is using this run folder; wait for it to finish or stop it", error);
        Assert.Equal(pid + "\n", File.ReadAllText(lockFile));
        Assert.Empty(RunFolder.Checkpoints(run));
    }

    [Fact]
    public void Lock_OfADeadProcess_IsTakenOver()
    {
        var run = fx.Dir.File("stale");
        Directory.CreateDirectory(run);
        var lockFile = Path.Combine(run, "train.lock");
        using (var gone = Process.Start("/bin/true")!) { gone.WaitForExit(); File.WriteAllText(lockFile, gone.Id.ToString(CultureInfo.InvariantCulture)); }
        var r = CliRunner.Ok(fx.Args(run, 2));
        Assert.Contains($"taking over the stale lock {lockFile}", r.Stdout);
        Assert.Contains("done: 2 steps", r.Stdout);
        Assert.False(File.Exists(lockFile));
    }

    [Fact]
    public void Resume_WithAnotherModelOrTokenizer_IsAnErrorNamingTheSetting()
    {
        var run = fx.Dir.File("mismatch");
        CliRunner.Ok(fx.Args(run, 2));
        string ckpt = Path.Combine(run, "checkpoints", "step_00000002.safetensors");
        var args = fx.Args(run, 4);
        args[Array.IndexOf(args, "--hidden-size") + 1] = "32";
        Assert.Equal($"error: {ckpt}: hidden_size is 16 in this run but 32 was asked for; use --fresh to start over", CliRunner.Fails(args));
        args = fx.Args(run, 4);
        args[Array.IndexOf(args, "--tokenizer") + 1] = "word";
        Assert.Equal($"error: {ckpt}: tokenizer is char in this run but word was asked for; use --fresh to start over", CliRunner.Fails(args));
        args = fx.Args(run, 4);
        args[Array.IndexOf(args, "--layers") + 1] = "2";
        Assert.Equal($"error: {ckpt}: layers is 1 in this run but 2 was asked for; use --fresh to start over", CliRunner.Fails(args));
        Assert.Equal($"error: {ckpt}: best_metric is loss in this run but bleu was asked for; use --fresh to start over",
                     CliRunner.Fails([.. fx.Args(run, 4), "--best-metric", "bleu"]));
        Assert.Contains("done: 4 steps", CliRunner.Ok(fx.Args(run, 4)).Stdout);   // the same settings resume
    }

    [Fact]
    public void Resume_CorruptNewestCheckpoint_FallsBackToThePreviousOne()
    {
        var run = fx.Dir.File("corrupt");
        CliRunner.Ok([.. fx.Args(run, 4), "--checkpoint-every", "2"]);
        string newest = Path.Combine(run, "checkpoints", "step_00000004.safetensors");
        var bytes = File.ReadAllBytes(newest);
        File.WriteAllBytes(newest, bytes[..(bytes.Length / 2)]);     // a truncated file
        var r = CliRunner.Ok([.. fx.Args(run, 6), "--checkpoint-every", "2"]);
        var warning = Assert.Single(r.Stdout.Split('\n'), l => l.StartsWith("warning: ", StringComparison.Ordinal));
        Assert.Contains(newest, warning);
        Assert.Contains("resuming from the previous checkpoint", warning);
        Assert.Matches(@"resuming from .*step_00000002\.safetensors \(step 2\)", r.Stdout);
        Assert.Contains("done: 6 steps", r.Stdout);
        Assert.True(File.Exists(newest + ".corrupt"));
        Assert.Equal(new[] { 2L, 4, 6 }, RunFolder.Checkpoints(run).Select(p => Checkpoint.Load(p).GlobalStep));
    }

    [Fact]
    public void Rerun_OfAFinishedRun_IsANoOp_KeepingTheModel()
    {
        var run = fx.Dir.File("finished");
        CliRunner.Ok([.. fx.Args(run, 4), .. fx.ValidArgs, "--valid-every", "2"]);
        var model = Path.Combine(run, "model.safetensors");
        var before = File.ReadAllBytes(model);
        int lines = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length;
        var r = CliRunner.Ok([.. fx.Args(run, 4), .. fx.ValidArgs, "--valid-every", "2"]);
        Assert.Contains($"nothing to do: {run} is already trained (step 4, max_steps 4); model: {model}", r.Stdout);
        Assert.DoesNotContain("resuming", r.Stdout);
        Assert.Equal(before, File.ReadAllBytes(model));
        Assert.Equal(lines, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);
    }

    [Fact]
    public void AverageLast_BestMetricBleu_KeepsTheBetterOfAverageAndBest_AndAverageCommandWritesALoadableModel()
    {
        var run = fx.Dir.File("average");
        var r = CliRunner.Ok([.. fx.Args(run, 6), .. fx.ValidArgs, "--valid-every", "2", "--checkpoint-every", "2",
                              "--average-last", "3", "--best-metric", "bleu"]);
        var m = Regex.Match(r.Stdout, @"^the average of the last 3 checkpoints: valid bleu (\d+\.\d\d), best checkpoint (\d+\.\d\d); model\.safetensors holds the (averaged weights|best checkpoint)$",
                            RegexOptions.Multiline);
        Assert.True(m.Success, r.Stdout);
        bool averaged = m.Groups[3].Value == "averaged weights";
        double avgBleu = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), bestBleu = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(averaged ? avgBleu >= bestBleu : avgBleu <= bestBleu, m.Value);
        var expected = averaged ? CheckpointAverager.Average(RunFolder.Checkpoints(run)) : Checkpoint.Load(Path.Combine(run, "best.safetensors")).Model;
        var kept = Checkpoint.Load(Path.Combine(run, "model.safetensors")).Model;
        Assert.Equal(expected.Keys.Order(), kept.Keys.Order());
        foreach (var (k, t) in expected) Assert.Equal(t.ToArray(), kept[k].ToArray());

        // encdec average: the same mean, as a file translate loads
        var output = fx.Dir.File("averaged.safetensors");
        var a = CliRunner.Ok("average", "--model", run, "--last", "3", "--output", output);
        Assert.Contains("averaged 3 checkpoints (step_00000002.safetensors, step_00000004.safetensors, step_00000006.safetensors)", a.Stdout);
        var mean = CheckpointAverager.Average(RunFolder.Checkpoints(run));
        var written = Checkpoint.Load(output).Model;
        foreach (var (k, t) in mean) Assert.Equal(t.ToArray(), written[k].ToArray());
        var t2 = CliRunner.Ok("translate", "--model", output, "--input", fx.ValidSrc, "--max-len", "12");
        Assert.Equal(20, t2.Stdout.Split('\n').Length - 1);
        Assert.Equal($"error: {Path.Combine(run, "checkpoints")}: --last 4: only 3 checkpoints here (the run keeps keep_checkpoints of them)",
                     CliRunner.Fails("average", "--model", run, "--last", "4", "--output", output));
    }
}
