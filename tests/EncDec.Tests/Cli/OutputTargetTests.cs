using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>
/// Where <c>--output</c> points: <c>-</c> is stdout, a FIFO is streamed to (and stays a FIFO), a symbolic link is written
/// through to its target (and stays a link), a regular file is replaced atomically and the temporary files of dead
/// processes are removed. Everything happens inside a temporary folder — never against the machine's /dev entries.
/// </summary>
[Collection(CliCollection.Name)]
public class OutputTargetTests : IDisposable
{
    private readonly TempDir _d = new();
    private readonly string _input, _model;

    public OutputTargetTests()
    {
        _input = _d.Write("in.txt", string.Join('\n', CliHardeningKit.Lines) + "\n");
        _model = CliHardeningKit.Model(_d.File("model/model.safetensors"));
    }

    public void Dispose() => _d.Dispose();

    private string[] Translate(string output) => ["translate", "--model", _model, "--input", _input, "--max-len", "4", "--output", output];

    private string Expected() => CliRunner.Ok("translate", "--model", _model, "--input", _input, "--max-len", "4").Stdout;

    [Fact]
    public void Dash_IsStandardOutput_AndCreatesNoFile()
    {
        var r = CliRunner.Ok(Translate("-"));
        Assert.Equal(Expected(), r.Stdout);
        Assert.Equal(3, r.Stdout.Count(c => c == '\n'));
        Assert.False(File.Exists("-"));
    }

    [Fact]
    public void Fifo_IsStreamedTo_NotReplaced()
    {
        var fifo = _d.File("pipe");
        using (var mk = Process.Start("mkfifo", fifo)!) { mk.WaitForExit(); Assert.Equal(0, mk.ExitCode); }
        string? read = null;
        var reader = new Thread(() => read = File.ReadAllText(fifo)) { IsBackground = true };   // blocks until the writer opens the FIFO
        reader.Start();
        CliRunner.Ok(Translate(fifo));
        Assert.True(reader.Join(TimeSpan.FromSeconds(20)));
        Assert.Equal(Expected(), read);
        Assert.Equal(PathKind.Fifo, UnixFileSystem.KindOf(fifo));
        Assert.Equal(["in.txt", "model", Path.Combine("model", "model.safetensors"), "pipe"], CliHardeningKit.Entries(_d.Path));
    }

    [Fact]
    public void Symlink_IsWrittenThrough_ToItsTarget()
    {
        Directory.CreateDirectory(_d.File("real"));
        var target = _d.Write("real/hyp.txt", "old\n");
        var link = _d.File("link.txt");
        File.CreateSymbolicLink(link, Path.Combine("real", "hyp.txt"));   // relative, as `ln -s` makes them
        CliRunner.Ok(Translate(link));
        Assert.Equal(Path.Combine("real", "hyp.txt"), new FileInfo(link).LinkTarget);
        Assert.Equal(Expected(), File.ReadAllText(target));
        Assert.Equal(["hyp.txt"], CliHardeningKit.Entries(_d.File("real")));   // no temporary file left
    }

    [Fact]
    public void CharacterDevice_KindIsSeen_WithoutTouchingIt()
    {
        // reading the kind of /dev/null is harmless; writing to it is tested through a FIFO above
        Assert.Equal(PathKind.CharacterDevice, UnixFileSystem.KindOf("/dev/null"));
        Assert.Equal(PathKind.RegularFile, UnixFileSystem.KindOf(_input));
        Assert.Equal(PathKind.Directory, UnixFileSystem.KindOf(_d.Path));
        Assert.Equal(PathKind.Missing, UnixFileSystem.KindOf(_d.File("none")));
    }

    [Fact]
    public void RegularFile_IsReplaced_AndStaleTemporariesOfDeadProcessesRemoved()
    {
        var outDir = Directory.CreateDirectory(_d.File("out")).FullName;
        var output = Path.Combine(outDir, "hyp.txt");
        File.WriteAllText(output, "old\n");
        int dead;
        using (var gone = Process.Start("/bin/true")!) { gone.WaitForExit(); dead = gone.Id; }
        string stale = AtomicFile.TempPath(Path.Combine(outDir, "step_00000004.safetensors"), dead);
        string mine = AtomicFile.TempPath(Path.Combine(outDir, "other.txt"), Environment.ProcessId);
        File.WriteAllText(stale, "half a checkpoint");
        File.WriteAllText(mine, "being written by this process");
        CliRunner.Ok(Translate(output));
        Assert.Equal(Expected(), File.ReadAllText(output));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(mine));   // a live process's temporary file is left alone
        Assert.Equal(["." + "other.txt." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp", "hyp.txt"], CliHardeningKit.Entries(outDir));
    }

    [Fact]
    public void OutputInAMissingFolder_IsCreatedOnlyWhenTheWorkSucceeded()
    {
        var output = _d.File("nowhere/hyp.txt");
        Assert.Equal("error: --top-p: must be in (0, 1] (1 = off), got 2", CliRunner.Fails([.. Translate(output), "--top-p", "2"]));
        Assert.False(Directory.Exists(_d.File("nowhere")));
        CliRunner.Ok(Translate(output));
        Assert.Equal(Expected(), File.ReadAllText(output));
    }
}
