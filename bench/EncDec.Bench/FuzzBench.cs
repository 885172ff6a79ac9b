using System.Diagnostics;
using System.Globalization;

namespace EncDec.Bench;

/// <summary>
/// <c>bench fuzz --target safetensors|metadata|tokenizer|yaml|corpus --seconds N [--work DIR] [--timeout-ms MS] [--no-build]</c>:
/// builds fuzz/EncDec.Fuzz into WORK/bin (default /tmp/encdec-fuzz), instruments EncDec, EncDec.Cli and YamlDotNet with
/// SharpFuzz (the repository's local dotnet tool; <c>--no-build</c> reuses an instrumented WORK/bin), runs AFL++'s
/// afl-fuzz for N seconds from fuzz/seeds/TARGET into WORK/TARGET, then prints executions, coverage, crashes and hangs,
/// and replays every crash to show its exception. Exit 1 when a crash or hang was found.
/// </summary>
public static class FuzzBench
{
    private static readonly string[] Targets = ["safetensors", "metadata", "tokenizer", "yaml", "corpus"];
    private static readonly string[] Instrumented = ["EncDec.dll", "EncDec.Cli.dll", "YamlDotNet.dll"];

    public static int Run(string[] args)
    {
        string? target = null; int seconds = 60, timeoutMs = 5000; string? work = null; bool build = true;
        for (int i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--target": target = args[++i]; break;
                case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--timeout-ms": timeoutMs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--work": work = args[++i]; break;
                case "--no-build": build = false; break;
                default: Console.Error.WriteLine($"error: unknown option '{args[i]}'"); return 2;
            }
        if (target is null || !Targets.Contains(target))
        {
            Console.Error.WriteLine($"error: --target must be one of {string.Join(", ", Targets)}");
            return 2;
        }
        string repo = RepoRoot();
        work ??= Path.Combine(Path.GetTempPath(), "encdec-fuzz");
        string bin = Path.Combine(work, "bin"), runDir = Path.Combine(work, target), findings = Path.Combine(runDir, "findings");
        if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        Directory.CreateDirectory(runDir);

        if (build || !File.Exists(Path.Combine(bin, "EncDec.Fuzz.dll")))
        {
            Console.WriteLine($"building the harness into {bin} …");
            if (Directory.Exists(bin)) Directory.Delete(bin, recursive: true);
            Exec("dotnet", ["build", Path.Combine(repo, "fuzz", "EncDec.Fuzz"), "-c", "Release", "-o", bin, "--nologo", "-v", "q"], repo);
            Exec("dotnet", ["tool", "restore"], repo);
            foreach (var dll in Instrumented)
                Exec("dotnet", ["tool", "run", "sharpfuzz", Path.Combine(bin, dll)], repo);
        }

        var env = new Dictionary<string, string>
        {
            ["AFL_SKIP_BIN_CHECK"] = "1",        // SharpFuzz reports coverage itself; the dotnet host is not instrumented
            ["AFL_NO_AFFINITY"] = "1",
            ["AFL_SKIP_CPUFREQ"] = "1",
            ["AFL_NO_UI"] = "1",
            ["AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES"] = "1",
            ["DOTNET_TieredPGO"] = "0",
        };
        Console.WriteLine($"afl-fuzz on '{target}' for {seconds} s (hang = over {timeoutMs} ms) …");
        var sw = Stopwatch.StartNew();
        int rc = Exec("afl-fuzz", ["-V", seconds.ToString(CultureInfo.InvariantCulture), "-i", Path.Combine(repo, "fuzz", "seeds", target),
            "-o", findings, "-t", timeoutMs.ToString(CultureInfo.InvariantCulture), "-m", "none", "--",
            "dotnet", Path.Combine(bin, "EncDec.Fuzz.dll"), target], repo, env, Path.Combine(runDir, "afl.log"), check: false);
        var stats = ReadStats(Path.Combine(findings, "default", "fuzzer_stats"));
        string S(string k) => stats.GetValueOrDefault(k, "?");
        var crashes = Listing(Path.Combine(findings, "default", "crashes"));
        var hangs = Listing(Path.Combine(findings, "default", "hangs"));
        Console.WriteLine($"target {target}: {S("run_time")} s ({sw.Elapsed.TotalMinutes:F1} min wall), {S("execs_done")} executions " +
                          $"({S("execs_per_sec")}/s), corpus {S("corpus_count")}, coverage {S("bitmap_cvg")}, " +
                          $"crashes {crashes.Count}, hangs {hangs.Count}, afl-fuzz exit {rc}");
        Console.WriteLine($"findings in {findings}");
        if (crashes.Count > 0)
        {
            Console.WriteLine("replaying the crashes:");
            Exec("dotnet", [Path.Combine(bin, "EncDec.Fuzz.dll"), target, "--replay", .. crashes], repo, check: false);
        }
        foreach (var h in hangs) Console.WriteLine($"hang: {h}");
        return crashes.Count + hangs.Count == 0 && stats.Count > 0 ? 0 : 1;
    }

    private static List<string> Listing(string dir) => Directory.Exists(dir)
        ? Directory.GetFiles(dir).Where(f => !f.EndsWith("README.txt", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList()
        : [];

    private static Dictionary<string, string> ReadStats(string path)
    {
        var d = new Dictionary<string, string>();
        if (!File.Exists(path)) return d;
        foreach (var line in File.ReadAllLines(path))
        {
            int c = line.IndexOf(':');
            if (c > 0) d[line[..c].Trim()] = line[(c + 1)..].Trim();
        }
        return d;
    }

    internal static string RepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "EncDec.sln"))) return d.FullName;
        throw new InvalidOperationException("cannot find the repository (EncDec.sln) above the current folder");
    }

    private static int Exec(string file, IEnumerable<string> args, string cwd, Dictionary<string, string>? env = null,
        string? log = null, bool check = true)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = cwd, RedirectStandardOutput = log != null, RedirectStandardError = log != null };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        if (log != null)
        {
            using var w = new StreamWriter(log);
            var err = p.StandardError.ReadToEndAsync();
            string? line;
            while ((line = p.StandardOutput.ReadLine()) != null) w.WriteLine(line);
            w.Write(err.Result);
        }
        p.WaitForExit();
        if (check && p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}");
        return p.ExitCode;
    }
}
