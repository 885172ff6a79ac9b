using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EncDec.IO;
using Xunit;

namespace EncDec.Tests.Distributed;

/// <summary>
/// <c>mpirun -np 2 encdec train … --distributed</c> against one process with twice the gradient accumulation, as child
/// processes on loopback (Open MPI from Debian's openmpi-bin, which .ci/run installs).
/// </summary>
public class MpiTrainTests
{
    private static readonly string[] Common =
    [
        "train", "--tokenizer", "char", "--d-model", "32", "--layers", "1", "--heads", "2", "--feed-forward", "64", "--dropout", "0",
        "--max-steps", "20", "--batch-size", "16", "--log-every", "1", "--checkpoint-every", "10", "--seed", "3",
    ];

    private static void WriteCorpus(string dir)
    {
        var rng = new Random(1);
        using var s = new StreamWriter(Path.Combine(dir, "src.txt"));
        using var t = new StreamWriter(Path.Combine(dir, "tgt.txt"));
        for (int i = 0; i < 300; i++)
        {
            var w = new string(Enumerable.Range(0, rng.Next(3, 9)).Select(_ => (char)('a' + rng.Next(10))).ToArray());
            s.WriteLine(string.Join(' ', w.ToCharArray()));
            t.WriteLine(string.Join(' ', w.Reverse()));
        }
    }

    private static (int Exit, string Output) Run(string exe, IEnumerable<string> args, string dir)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // one thread per rank on both sides, so the two runs split the work the same way
        psi.Environment["ENCDEC_THREADS"] = "1";
        psi.Environment["OPENBLAS_NUM_THREADS"] = "1";
        psi.Environment["ENCDEC_COLLECTIVE_TIMEOUT"] = "60";
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync(); var e = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), $"{exe} did not finish in 3 minutes");
        return (p.ExitCode, o.Result + e.Result);
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "EncDec.Cli.dll");

    private static List<(long Step, double Loss)> Losses(string run) =>
        File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "step")
            .Select(e => (e.GetProperty("step").GetInt64(), e.GetProperty("loss").GetDouble())).ToList();

    [Fact]
    public void Two_mpi_ranks_train_as_one_process_with_doubled_accumulation_and_write_once()
    {
        Assert.True(File.Exists("/usr/bin/mpirun"), "Open MPI's mpirun is missing: apt-get install openmpi-bin libopenmpi-dev (.ci/run does)");
        using var tmp = new TempDir();
        WriteCorpus(tmp.Path);
        var data = new[] { "--train-src", "src.txt", "--train-tgt", "tgt.txt" };

        var single = Run(Dotnet, [CliDll, .. Common, .. data, "--grad-accumulation", "2", "--out", "single"], tmp.Path);
        Assert.True(single.Exit == 0, single.Output);
        var dist = Run("mpirun", ["--allow-run-as-root", "--oversubscribe", "-np", "2", Dotnet, CliDll, .. Common, .. data, "--distributed", "--out", "dist"], tmp.Path);
        Assert.True(dist.Exit == 0, dist.Output);

        // the same losses, step by step, each written once (rank 0 alone writes metrics.jsonl)
        var a = Losses(Path.Combine(tmp.Path, "single")); var b = Losses(Path.Combine(tmp.Path, "dist"));
        Assert.Equal(20, a.Count);
        Assert.Equal(a.Select(x => x.Step), b.Select(x => x.Step));
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Loss, b[i].Loss, 1e-5 * a[i].Loss);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(dist.Output, "^done: 20 steps", System.Text.RegularExpressions.RegexOptions.Multiline));

        // the same checkpoints, once, and the same final weights (see DataParallelTests for why k_proj.bias is left out)
        string Ckpts(string run) => string.Join(",", Directory.GetFiles(Path.Combine(tmp.Path, run, "checkpoints")).Select(Path.GetFileName).Order());
        Assert.Equal(Ckpts("single"), Ckpts("dist"));
        var wa = ModelStore.Load(Path.Combine(tmp.Path, "single")).Model.NamedParameters().ToDictionary(p => p.Name, p => p.Param.ToArray());
        foreach (var (name, p) in ModelStore.Load(Path.Combine(tmp.Path, "dist")).Model.NamedParameters())
        {
            if (name.EndsWith("k_proj.bias", StringComparison.Ordinal)) continue;
            var (d, n) = DataParallelTests.SquaredDifference(p.ToArray(), wa[name]);
            Assert.True(Math.Sqrt(d / n) <= 1e-5, $"{name}: relative difference {Math.Sqrt(d / n).ToString("E2", CultureInfo.InvariantCulture)}");
        }
    }

    [Fact]
    public void A_resumed_distributed_run_continues_on_every_rank_as_a_resumed_single_process_does()
    {
        Assert.True(File.Exists("/usr/bin/mpirun"), "Open MPI's mpirun is missing: apt-get install openmpi-bin libopenmpi-dev (.ci/run does)");
        using var tmp = new TempDir();
        WriteCorpus(tmp.Path);
        string[] Args(int steps, string run) => [.. Common.Select(a => a == "20" ? steps.ToString(CultureInfo.InvariantCulture) : a),
                                                 "--train-src", "src.txt", "--train-tgt", "tgt.txt", "--out", run];
        string[] Mpi(string[] args) => ["--allow-run-as-root", "--oversubscribe", "-np", "2", Dotnet, CliDll, .. args, "--distributed"];
        // 10 steps, then the same run resumed to 20: once as one process (accumulation 2), once as 2 ranks
        foreach (int steps in new[] { 10, 20 })
        {
            var single = Run(Dotnet, [CliDll, .. Args(steps, "single"), "--grad-accumulation", "2"], tmp.Path);
            Assert.True(single.Exit == 0, single.Output);
            var dist = Run("mpirun", Mpi(Args(steps, "dist")), tmp.Path);
            Assert.True(dist.Exit == 0, dist.Output);
            if (steps == 20) Assert.Contains("resuming from", dist.Output);
        }
        var a = Losses(Path.Combine(tmp.Path, "single")); var b = Losses(Path.Combine(tmp.Path, "dist"));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), b.Select(x => x.Step));
        Assert.Equal(a.Select(x => x.Step), b.Select(x => x.Step));
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Loss, b[i].Loss, 1e-5 * a[i].Loss);
    }

    [Fact]
    public void Distributed_without_mpirun_is_one_line_error()
    {
        using var tmp = new TempDir();
        WriteCorpus(tmp.Path);
        var r = Run(Dotnet, [CliDll, .. Common, "--train-src", "src.txt", "--train-tgt", "tgt.txt", "--distributed", "--out", "x"], tmp.Path);
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("--distributed: start the ranks with Open MPI's mpirun", r.Output);
        Assert.DoesNotContain("   at ", r.Output);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "x")));
    }
}
