using Xunit;

namespace EncDec.Tests.Cli;

/// <summary><c>encdec serve</c> and <c>encdec dashboard</c>: a user's mistake is one line naming the flag or file.</summary>
public sealed class ServeCliTests
{
    [Fact]
    public void ServeWithAMissingModelNamesThePath()
    {
        using var dir = new TempDir();
        var missing = dir.File("nothing.safetensors");
        Assert.Contains("nothing.safetensors", CliRunner.Fails("serve", "--model", missing, "--port", "0"));
    }

    [Fact]
    public void BadLimitsNameTheFlag()
    {
        using var dir = new TempDir();
        Assert.Contains("--port", CliRunner.Fails("serve", "--model", dir.Path, "--port", "70000"));
        Assert.Contains("--max-batch-size", CliRunner.Fails("serve", "--model", dir.Path, "--max-batch-size", "0"));
        Assert.Contains("--runs", CliRunner.Fails("dashboard"));
        Assert.Contains("--runs", CliRunner.Fails("dashboard", "--runs", dir.File("none")));
        Assert.Contains("--host", CliRunner.Fails("dashboard", "--runs", dir.Path, "--host", "not a host", "--port", "0"));
    }
}
