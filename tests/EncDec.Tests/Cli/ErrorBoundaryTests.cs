using EncDec.Cli;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>
/// The CLI's one error boundary: a user mistake is one <c>error:</c> line and exit 1, a malformed command line one line and
/// exit 2, a bug one <c>internal error:</c> line naming where the trace is and exit 70 — never a stack trace.
/// </summary>
[Collection(CliCollection.Name)]
public class ErrorBoundaryTests : IDisposable
{
    private readonly TempDir _d = new();

    public void Dispose() => _d.Dispose();

    [Fact]
    public void UsageError_IsOneLineNamingTheFlag_Exit2_NoHelpDump()
    {
        var r = CliRunner.Run("translate", "--model", "m", "--beam", "x");
        Assert.Equal(ErrorBoundary.UsageExitCode, r.ExitCode);
        Assert.Equal("error: Cannot parse argument 'x' for option '--beam' as an integer. (see encdec translate --help)", Assert.Single(r.ErrorLines));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void MissingCommand_IsAUsageError()
    {
        var r = CliRunner.Run();
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: Required command was not provided. (see encdec --help)", Assert.Single(r.ErrorLines));
    }

    [Fact]
    public void Help_StillPrintsUsage()
    {
        var r = CliRunner.Run("translate", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("--too-long", r.Stdout);
        Assert.Contains("--verbose", r.Stdout);
    }

    [Fact]
    public void InternalError_OneLine_Exit70_TraceInATempLogFile()
    {
        var err = new StringWriter();
        int code = ErrorBoundary.Run(() => throw new InvalidOperationException("the bug\nsecond line"), err, verbose: false);
        Assert.Equal(70, code);
        var line = Assert.Single(err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var m = System.Text.RegularExpressions.Regex.Match(line, @"^internal error: System\.InvalidOperationException: the bug \(full trace: (.+)\)$");
        Assert.True(m.Success, line);
        string log = m.Groups[1].Value;
        try
        {
            Assert.StartsWith(Path.GetTempPath(), log);
            Assert.Contains("   at ", File.ReadAllText(log));   // the whole trace is in the file
        }
        finally { File.Delete(log); }
    }

    [Fact]
    public void InternalError_DuringARun_WritesItsTraceIntoTheRunFolder()
    {
        var run = _d.File("run");
        var err = new StringWriter();
        int code = ErrorBoundary.Run(() =>
        {
            CliPaths.CreateRunFolder(run, "--out");
            throw new NullReferenceException("boom");
        }, err, verbose: false);
        Assert.Equal(70, code);
        var log = Assert.Single(Directory.GetFiles(run, "crash-*.log"));
        Assert.Contains($"(full trace: {log})", err.ToString());
        Assert.Contains("boom", File.ReadAllText(log));
        Assert.Null(ErrorBoundary.RunFolder);   // reset for the next command
    }

    [Fact]
    public void InternalError_Verbose_PrintsTheTrace()
    {
        var err = new StringWriter();
        Assert.Equal(70, ErrorBoundary.Run(() => throw new ArgumentOutOfRangeException("x"), err, verbose: true));
        Assert.StartsWith("internal error: System.ArgumentOutOfRangeException: ", err.ToString());
        Assert.Contains("   at ", err.ToString());
        Assert.DoesNotContain("full trace:", err.ToString());
    }

    [Fact]
    public void UserError_AndIoError_AreOneLineExit1()
    {
        var err = new StringWriter();
        Assert.Equal(1, ErrorBoundary.Run(() => throw new UserInputException("f.txt", 3, "bad\nthing"), err, verbose: false));
        Assert.Equal("error: f.txt:3: bad thing\n", err.ToString().ReplaceLineEndings("\n"));
        err = new StringWriter();
        Assert.Equal(1, ErrorBoundary.Run(() => throw new AggregateException(new IOException("No space left on device : '/x'")), err, verbose: false));
        Assert.Equal("error: No space left on device : '/x'", err.ToString().Trim());
    }

    [Fact]
    public void AFolderGivenAsAFile_IsSaidSo()
    {
        var folder = Directory.CreateDirectory(_d.File("dir")).FullName;
        var model = CliHardeningKit.Model(_d.File("m/model.safetensors"));
        Assert.Equal($"error: {folder}: --input: is a folder, not a file", CliRunner.Fails("translate", "--model", model, "--input", folder));
        Assert.Equal($"{folder}: is a folder, not a file", ErrorBoundary.DescribeIoError(new UnauthorizedAccessException($"Access to the path '{folder}' is denied.")));
        Assert.Equal($"{folder}: is a folder, not a file", ErrorBoundary.Describe(new UserInputException(folder, null, "file not found")));
    }
}
