using System.Globalization;
using EncDec.Fuzz;

namespace EncDec.Bench;

/// <summary>
/// <c>bench killtest [--runs 20] [--seed 1] [--steps 30] [--checkpoint-every 3] [--work DIR]</c>: trains a tiny model with
/// the built CLI (src/EncDec.Cli/bin/Release), kills it with SIGKILL at seeded random moments (half of them while a
/// checkpoint is being written) and resumes each (see <see cref="KillTest"/>). Exit 1 when any resume misbehaved.
/// </summary>
public static class KillTestBench
{
    public static int Run(string[] args)
    {
        int runs = 20, seed = 1, steps = 30, every = 3; string? work = null;
        for (int i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--checkpoint-every": every = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--work": work = args[++i]; break;
                default: Console.Error.WriteLine($"error: unknown option '{args[i]}'"); return 2;
            }
        string cli = Path.Combine(FuzzBench.RepoRoot(), "src", "EncDec.Cli", "bin", "Release", "net10.0", "EncDec.Cli.dll");
        if (!File.Exists(cli)) { Console.Error.WriteLine($"error: {cli} not found: build the solution in Release first"); return 1; }
        work ??= Path.Combine(Path.GetTempPath(), "encdec-killtest");
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        var results = KillTest.Run(new KillTestOptions { CliDll = cli, WorkDir = work, Runs = runs, Seed = seed, MaxSteps = steps, CheckpointEvery = every },
            Console.WriteLine);
        int bad = results.Count(r => r.Problems.Count > 0);
        Console.WriteLine($"killtest: {results.Count} runs killed with SIGKILL and resumed, {results.Count(r => r.TempFileAtKill)} of them with a checkpoint " +
                          $"temp file open at the kill; max steps lost {results.Max(r => r.StepsLost)} (interval {every}); {bad} with problems");
        return bad == 0 ? 0 : 1;
    }
}
