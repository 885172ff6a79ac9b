using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace EncDec.Fuzz;

/// <summary>Settings of a <see cref="KillTest"/>.</summary>
public sealed record KillTestOptions
{
    /// <summary>The built CLI (<c>EncDec.Cli.dll</c>), started as <c>dotnet CLI train …</c>.</summary>
    public required string CliDll { get; init; }
    /// <summary>A scratch folder (data and run folders go below it).</summary>
    public required string WorkDir { get; init; }
    public int Runs { get; init; } = 5;
    public int Seed { get; init; } = 1;
    public int MaxSteps { get; init; } = 30;
    public int CheckpointEvery { get; init; } = 3;
}

/// <summary>How one killed-and-resumed run went.</summary>
public sealed record KillRun(int Index, string Moment, bool TempFileAtKill, long LastLoggedStep, long NewestCheckpoint,
    long ResumedFrom, long StepsLost, double FinalLoss, IReadOnlyList<string> Problems)
{
    public override string ToString() =>
        $"run {Index}: killed {Moment}{(TempFileAtKill ? " (a checkpoint temp file was open)" : "")}; last logged step {LastLoggedStep}, " +
        $"newest checkpoint {NewestCheckpoint}, resumed from {ResumedFrom}, {StepsLost} steps lost, final loss {FinalLoss:R}" +
        (Problems.Count == 0 ? "" : "; PROBLEMS: " + string.Join("; ", Problems));
}

/// <summary>
/// Trains a tiny model with the CLI in a child process, kills it with SIGKILL at a seeded random moment — half the
/// runs the moment a checkpoint's temporary file appears, so during the write — and runs the same command again. Each
/// resume must exit 0, start from the newest checkpoint, lose at most one checkpoint interval of logged steps, leave
/// no temporary or <c>*.corrupt</c> file, and end with the final loss of an uninterrupted run (exact resume).
/// </summary>
public static class KillTest
{
    public static IReadOnlyList<KillRun> Run(KillTestOptions o, Action<string>? log = null)
    {
        Directory.CreateDirectory(o.WorkDir);
        var (src, tgt) = WriteData(o.WorkDir);
        var rng = new Random(o.Seed);

        string refDir = Path.Combine(o.WorkDir, "reference");
        // the training part of the uninterrupted run: from its first metrics line to its exit
        double refSeconds;
        using (var p = Start(o.CliDll, TrainArgs(o, src, tgt, refDir)))
        {
            WaitForMetrics(p, refDir);
            var sw = Stopwatch.StartNew();
            p.WaitForExit();
            refSeconds = sw.Elapsed.TotalSeconds;
            if (p.ExitCode != 0) throw new InvalidOperationException($"the uninterrupted run failed: exit {p.ExitCode}");
        }
        double refLoss = LastStep(refDir).Loss;
        log?.Invoke($"uninterrupted run: {refSeconds:F1} s of training, final loss {refLoss:R}");

        var results = new List<KillRun>();
        for (int i = 0; i < o.Runs; i++)
        {
            string run = Path.Combine(o.WorkDir, $"run{i:D2}");
            var args = TrainArgs(o, src, tgt, run);
            bool atWrite = rng.Next(2) == 0;
            int nth = rng.Next(1, o.MaxSteps / o.CheckpointEvery);
            double at = rng.NextDouble() * refSeconds;
            string moment = "";
            bool tempAtKill = false;
            // a run that finished before its moment came is no kill: try again, earlier
            for (int attempt = 0; attempt < 5; attempt++, at /= 2, nth = Math.Max(1, nth / 2))
            {
                if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
                bool finished;
                (moment, tempAtKill, finished) = KillOnce(o.CliDll, args, run, atWrite, nth, at);
                // a kill that lands after the last step (while the process writes its model and exits) interrupted no training
                finished |= File.Exists(Path.Combine(run, "model.safetensors"));
                if (!finished) break;
                if (attempt == 3) at = 0;   // the last try kills as soon as the first step is logged
            }
            long lastLogged = File.Exists(Path.Combine(run, "metrics.jsonl")) ? LastStep(run).Step : 0;
            long newest = NewestCheckpoint(run);

            var resumed = RunToEnd(o, args);
            var problems = new List<string>();
            if (resumed.Code != 0) problems.Add($"resume exited {resumed.Code}: {Tail(resumed.Output)}");
            long from = ResumedFrom(resumed.Output);
            if (from != newest) problems.Add($"resumed from step {from}, but the newest checkpoint was step {newest}: {Tail(resumed.Output)}");
            long lost = lastLogged - from;
            if (lost > o.CheckpointEvery) problems.Add($"{lost} logged steps lost, more than the checkpoint interval {o.CheckpointEvery}");
            var leftovers = Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".tmp", StringComparison.Ordinal) || f.EndsWith(".corrupt", StringComparison.Ordinal)
                            || Path.GetFileName(f) == "train.lock")
                .Select(f => Path.GetRelativePath(run, f)).ToList();
            if (leftovers.Count > 0) problems.Add("left behind: " + string.Join(", ", leftovers));
            double finalLoss = double.NaN;
            if (resumed.Code == 0)
            {
                var last = LastStep(run);
                finalLoss = last.Loss;
                if (last.Step != o.MaxSteps) problems.Add($"the resumed run ended at step {last.Step}, not {o.MaxSteps}");
                if (finalLoss != refLoss) problems.Add($"final loss {finalLoss:R} differs from the uninterrupted run's {refLoss:R}");
                if (NewestCheckpoint(run) != o.MaxSteps) problems.Add($"no final checkpoint at step {o.MaxSteps}");
            }
            var r = new KillRun(i, moment, tempAtKill, lastLogged, newest, from, lost, finalLoss, problems);
            log?.Invoke(r.ToString());
            results.Add(r);
        }
        return results;
    }

    private static (string Moment, bool TempAtKill, bool Finished) KillOnce(string cliDll, string[] args, string run, bool atWrite, int nth, double at)
    {
        using var p = Start(cliDll, args);
        string ckpts = Path.Combine(run, "checkpoints");
        var clock = Stopwatch.StartNew();
        string moment;
        if (atWrite)
        {
            moment = $"while writing checkpoint #{nth}";
            int seenTemps = 0; string? lastTemp = null;
            while (!p.HasExited && clock.Elapsed.TotalSeconds < 120)
            {
                var temp = Directory.Exists(ckpts) ? Directory.EnumerateFiles(ckpts, ".*.tmp").FirstOrDefault() : null;
                if (temp != null && temp != lastTemp) { lastTemp = temp; if (++seenTemps == nth) break; }
                Thread.SpinWait(50);
            }
        }
        else
        {
            moment = $"{at:F2} s into training";
            WaitForMetrics(p, run);
            clock.Restart();
            while (!p.HasExited && clock.Elapsed.TotalSeconds < at) Thread.Sleep(5);
        }
        bool finished = p.HasExited;
        if (!finished) p.Kill(); // SIGKILL on Unix
        p.WaitForExit();
        bool tempOpen = Directory.Exists(ckpts) && Directory.EnumerateFiles(ckpts, ".*.tmp").Any();
        return (moment, tempOpen, finished);
    }

    /// <summary>Waits until the run writes its first metrics line (training has started) or the process ends.</summary>
    private static void WaitForMetrics(Process p, string run)
    {
        string metrics = Path.Combine(run, "metrics.jsonl");
        while (!p.HasExited && !(File.Exists(metrics) && new FileInfo(metrics).Length > 0)) Thread.Sleep(2);
    }

    private static string[] TrainArgs(KillTestOptions o, string src, string tgt, string run) =>
    [
        "train", "--train-src", src, "--train-tgt", tgt, "--out", run,
        "--model", "transformer", "--d-model", "16", "--heads", "2", "--layers", "1", "--feed-forward", "32", "--dropout", "0",
        "--tokenizer", "char", "--vocab-size", "40", "--batch-size", "8", "--max-steps", o.MaxSteps.ToString(CultureInfo.InvariantCulture),
        "--checkpoint-every", o.CheckpointEvery.ToString(CultureInfo.InvariantCulture), "--keep-checkpoints", "3",
        "--valid-every", "0", "--log-every", "1", "--seed", "3", "--lr", "0.003",
    ];

    /// <summary>A reversal task: 64 random letter strings and their reversals.</summary>
    private static (string Src, string Tgt) WriteData(string dir)
    {
        var r = new Random(11);
        var src = new List<string>(); var tgt = new List<string>();
        for (int i = 0; i < 64; i++)
        {
            var s = new string(Enumerable.Range(0, r.Next(3, 9)).Select(_ => (char)('a' + r.Next(12))).ToArray());
            src.Add(s); tgt.Add(new string(s.Reverse().ToArray()));
        }
        string a = Path.Combine(dir, "train.src"), b = Path.Combine(dir, "train.tgt");
        File.WriteAllLines(a, src); File.WriteAllLines(b, tgt);
        return (a, b);
    }

    private static Process Start(string cliDll, string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add(cliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        p.StandardInput.Close();
        // drain the pipes so the child never blocks on a full one
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine(); p.BeginErrorReadLine();
        return p;
    }

    private static (int Code, string Output) RunToEnd(KillTestOptions o, string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add(o.CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        p.StandardInput.Close();
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    private static (long Step, double Loss) LastStep(string run)
    {
        (long, double) last = (0, double.NaN);
        using var fs = new FileStream(Path.Combine(run, "metrics.jsonl"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(fs);
        while (reader.ReadLine() is { } line)
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                var e = doc.RootElement;
                if (e.TryGetProperty("type", out var t) && t.GetString() == "step" && e.TryGetProperty("loss", out var l) && l.ValueKind == JsonValueKind.Number)
                    last = (e.GetProperty("step").GetInt64(), l.GetDouble());
            }
            catch (JsonException) { /* the line being written when the process was killed */ }
        }
        return last;
    }

    private static long NewestCheckpoint(string run)
    {
        string dir = Path.Combine(run, "checkpoints");
        if (!Directory.Exists(dir)) return 0;
        return Directory.GetFiles(dir, "step_*.safetensors")
            .Select(f => long.Parse(Path.GetFileNameWithoutExtension(f)["step_".Length..], CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0).Max();
    }

    /// <summary>
    /// The step of "resuming from … (step N)", or of "nothing to do: … already trained (step N" when the run had finished
    /// before its kill came (every retry, earlier each time, was still too late: tiny runs on a fast machine), or 0 for a
    /// fresh start.
    /// </summary>
    private static long ResumedFrom(string output)
    {
        var m = System.Text.RegularExpressions.Regex.Match(output, @"resuming from .* \(step (\d+)\)");
        if (!m.Success) m = System.Text.RegularExpressions.Regex.Match(output, @"nothing to do: .* is already trained \(step (\d+)");
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    private static string Tail(string s) => s.Length > 600 ? s[^600..] : s;
}
