using EncDec.Cli;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>The CLI tests train models: run them one class at a time so they do not compete for the cores.</summary>
[CollectionDefinition(Name)]
public sealed class CliCollection { public const string Name = "cli"; }

/// <summary>What one in-process run of <c>encdec</c> printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The non-blank lines of stderr.</summary>
    public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

internal static class CliRunner
{
    /// <summary>Runs <c>encdec args…</c> through <c>Program.Run</c> with string writers (plain, non-interactive output).</summary>
    public static CliResult Run(params string[] args)
    {
        var o = new StringWriter { NewLine = "\n" };
        var e = new StringWriter { NewLine = "\n" };
        int code = Program.Run(args, o, e);
        return new CliResult(code, o.ToString(), e.ToString());
    }

    /// <summary>Asserts a successful run (showing everything it printed otherwise).</summary>
    public static CliResult Ok(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    /// <summary>
    /// Asserts a user error: non-zero exit, nothing but one clear line (at most two) on stderr, no stack trace;
    /// returns the error line(s), joined by newlines.
    /// </summary>
    public static string Fails(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.ExitCode != 0, "expected a non-zero exit\n" + r);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stdout);
        var lines = r.ErrorLines;
        Assert.True(lines.Length is >= 1 and <= 2, "expected one error line\n" + r);
        return string.Join('\n', lines);
    }

    /// <summary>The repository root (the folder holding EncDec.sln), found upward from the test binaries.</summary>
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EncDec.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
