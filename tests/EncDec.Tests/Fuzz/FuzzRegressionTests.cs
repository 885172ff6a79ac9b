using EncDec.Fuzz;
using Xunit;

namespace EncDec.Tests.Fuzz;

/// <summary>
/// The fuzz harnesses on their committed inputs: every seed of fuzz/seeds is read without any exception (they are
/// valid files), and every input kept under tests/fixtures/fuzz/TARGET (crashes found by fuzzing, and hand-made hostile
/// inputs) ends in nothing but a one-line <see cref="UserInputException"/>.
/// </summary>
public sealed class FuzzRegressionTests
{
    public static TheoryData<string> Targets() => new(Enum.GetNames<FuzzTarget>());

    private static FuzzTarget Parse(string t) => Enum.Parse<FuzzTarget>(t);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Seeds_are_valid_inputs(string target)
    {
        var dir = Path.Combine(Cli.CliRunner.RepoRoot(), "fuzz", "seeds", target.ToLowerInvariant());
        var files = Directory.GetFiles(dir);
        Assert.NotEmpty(files);
        foreach (var f in files) FuzzTargets.RunStrict(Parse(target), File.ReadAllBytes(f));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Kept_inputs_end_in_a_user_error_at_most(string target)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "fuzz", target.ToLowerInvariant());
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir) : [];
        Assert.NotEmpty(files);
        foreach (var f in files)
        {
            var e = Record.Exception(() => FuzzTargets.Run(Parse(target), File.ReadAllBytes(f)));
            Assert.True(e is null, $"{Path.GetFileName(f)}: {e}");
        }
    }
}
