using System.Diagnostics;
using System.Globalization;

namespace EncDec;

/// <summary>
/// Writes files so that a crash or an error never leaves a half-written or clobbered output:
/// <list type="bullet">
/// <item>a regular file (or a new one) is written to <c>.NAME.PID.tmp</c> beside it, flushed to disk, renamed over it,
/// and the folder is synced; temporary files left by processes that no longer run are removed first;</item>
/// <item>a symbolic link is written through: its final target is replaced the same way, the link stays;</item>
/// <item>a FIFO or a device (<c>/dev/null</c>, a terminal) is written to directly — it is never replaced by a file.</item>
/// </list>
/// </summary>
public static class AtomicFile
{
    private const string TempSuffix = ".tmp";

    /// <summary>Runs <paramref name="write"/> on a stream that ends up as <paramref name="path"/> (see the class summary).</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = FinalTarget(Path.GetFullPath(path));
        var kind = UnixFileSystem.KindOf(full);
        if (kind == PathKind.Directory) throw new UserInputException(path, null, "is a folder, not a file");
        if (kind is PathKind.Fifo or PathKind.CharacterDevice or PathKind.BlockDevice or PathKind.Socket)
        {
            using var direct = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            write(direct);
            direct.Flush();
            return;
        }
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        RemoveStaleTemporaries(dir);
        string tmp = TempPath(full, Environment.ProcessId);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort */ }
            throw;
        }
        UnixFileSystem.SyncDirectory(dir);
    }

    /// <summary>Writes text (UTF-8, no BOM) as <see cref="Write"/> does.</summary>
    public static void WriteAllText(string path, string text)
        => Write(path, s => { var b = new System.Text.UTF8Encoding(false).GetBytes(text); s.Write(b); });

    /// <summary>The temporary file a process writes <paramref name="fullPath"/> through.</summary>
    internal static string TempPath(string fullPath, int pid)
        => Path.Combine(Path.GetDirectoryName(fullPath)!, "." + Path.GetFileName(fullPath) + "." + pid.ToString(CultureInfo.InvariantCulture) + TempSuffix);

    /// <summary>
    /// Deletes the <c>.NAME.PID.tmp</c> files in <paramref name="dir"/> whose process no longer runs (a kill -9 or a power
    /// cut mid-write); those of live processes, this one included, are left alone. Returns how many were removed.
    /// </summary>
    public static int RemoveStaleTemporaries(string dir)
    {
        int removed = 0;
        IEnumerable<string> candidates;
        try { candidates = Directory.EnumerateFiles(dir, "." + "*" + TempSuffix).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
        foreach (var file in candidates)
        {
            string name = Path.GetFileName(file)[..^TempSuffix.Length];
            int dot = name.LastIndexOf('.');
            if (dot <= 0 || !int.TryParse(name.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (pid == Environment.ProcessId || IsRunning(pid)) continue;
            try { File.Delete(file); removed++; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* another cleaner, or not ours to delete */ }
        }
        return removed;
    }

    /// <summary>True when a process with this id runs (on this machine).</summary>
    internal static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>The path a chain of symbolic links ends at (the path itself when it is no link; a dangling link's target).</summary>
    private static string FinalTarget(string full)
    {
        for (int hops = 0; hops < 40; hops++)
        {
            string? target = new FileInfo(full).LinkTarget;
            if (target is null) return full;
            full = Path.GetFullPath(target, Path.GetDirectoryName(full)!);
        }
        throw new UserInputException(full, null, "too many levels of symbolic links");
    }
}
