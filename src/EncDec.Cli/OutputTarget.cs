namespace EncDec.Cli;

/// <summary>
/// Where a command's text output goes: <c>-</c> is standard output; any other path is written by
/// <see cref="AtomicFile"/> (a regular file through a temporary file and a rename, a FIFO or a device directly, a symbolic
/// link through to its target). Checked when the command starts, so that a bad path costs nothing and creates nothing.
/// </summary>
internal sealed class OutputTarget
{
    public const string StandardOutput = "-";
    private readonly string _path;

    private OutputTarget(string path) => _path = path;

    /// <summary>The output given by <paramref name="flag"/>; a folder is an error naming the flag. A missing parent folder is
    /// created only when the output is written, after the command's work succeeded.</summary>
    public static OutputTarget For(string path, string flag)
    {
        if (path != StandardOutput) CliPaths.CheckOutputFile(path, flag);
        return new OutputTarget(path);
    }

    public bool IsStandardOutput => _path == StandardOutput;

    /// <summary>Writes <paramref name="text"/> to the target (<paramref name="stdout"/> for <c>-</c>).</summary>
    public void WriteAllText(string text, TextWriter stdout)
    {
        if (IsStandardOutput) { stdout.Write(text); stdout.Flush(); }
        else AtomicFile.WriteAllText(_path, text);
    }
}
