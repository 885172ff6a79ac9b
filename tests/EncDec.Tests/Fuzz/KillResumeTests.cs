using EncDec.Fuzz;
using Xunit;

namespace EncDec.Tests.Fuzz;

/// <summary>
/// Training in a child process killed with SIGKILL at seeded random moments (some while a checkpoint is written)
/// resumes without error, loses at most one checkpoint interval, leaves no temporary file and reaches the final loss
/// of an uninterrupted run. The 20-run version is <c>bench killtest --runs 20</c>.
/// </summary>
[Collection(Cli.CliCollection.Name)]
public sealed class KillResumeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Five_kills_each_resume_exactly()
    {
        string config = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        string cli = Path.Combine(Cli.CliRunner.RepoRoot(), "src", "EncDec.Cli", "bin", config, "net10.0", "EncDec.Cli.dll");
        Assert.True(File.Exists(cli), cli);
        using var dir = new TempDir();
        var runs = KillTest.Run(new KillTestOptions { CliDll = cli, WorkDir = dir.Path, Runs = 5, Seed = 5, MaxSteps = 16, CheckpointEvery = 2 }, output.WriteLine);
        Assert.Equal(5, runs.Count);
        Assert.All(runs, r => Assert.True(r.Problems.Count == 0, r.ToString()));
        Assert.Contains(runs, r => r.ResumedFrom > 0);       // some kills came after a checkpoint
        Assert.All(runs, r => Assert.InRange(r.StepsLost, 0, 2));
    }
}
