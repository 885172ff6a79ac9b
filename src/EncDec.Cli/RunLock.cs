using System.Globalization;

namespace EncDec.Cli;

/// <summary>
/// <c>RUN/train.lock</c>: holds the pid and the host name of the process training into a run folder (<c>PID\nHOST\n</c>),
/// so that a second trainer on the same folder is refused instead of both overwriting each other's checkpoints. A lock
/// whose process is no longer running on this host (a crash, a kill -9) is taken over; one held on another host (a shared
/// folder) is refused, since whether its process runs cannot be seen from here. Removed on dispose.
/// </summary>
internal sealed class RunLock : IDisposable
{
    public const string FileName = "train.lock";
    private readonly string _path;
    private bool _held;

    private RunLock(string path) { _path = path; _held = true; }

    /// <summary>Takes the lock of <paramref name="runDir"/> (which must exist); <paramref name="say"/> reports a stale lock taken over.</summary>
    /// <exception cref="UserInputException">Another live process holds it.</exception>
    public static RunLock Acquire(string runDir, Action<string> say)
    {
        string path = Path.Combine(runDir, FileName);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                using (var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                using (var w = new StreamWriter(fs))
                    w.Write(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n" + Environment.MachineName + "\n");
                return new RunLock(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                var (owner, host) = ReadOwner(path);
                if (owner is { } other && host is not null && !string.Equals(host, Environment.MachineName, StringComparison.OrdinalIgnoreCase))
                    throw new UserInputException(path, null,
                        $"another trainer (pid {other} on host {host}) is using this run folder; if it no longer runs, delete this lock file");
                if (owner is { } pid && IsAlive(pid))
                    throw new UserInputException(path, null, $"another trainer (pid {pid}) is using this run folder; wait for it to finish or stop it");
                say($"taking over the stale lock {path} ({(owner is { } p ? $"pid {p} is not running" : "no valid pid in it")})");
                try { File.Delete(path); } catch (IOException) { /* raced with another taker: retry */ }
            }
        }
        throw new UserInputException(path, null, "cannot take the run folder's lock");
    }

    /// <summary>The pid (first line) and host (second line, absent in locks written before it was recorded) of a lock file.</summary>
    private static (int? Pid, string? Host) ReadOwner(string path)
    {
        try
        {
            var lines = File.ReadAllText(path).Split('\n', StringSplitOptions.TrimEntries);
            int? pid = int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : null;
            string? host = lines.Length > 1 && lines[1].Length > 0 ? lines[1] : null;
            return (pid, host);
        }
        catch (IOException) { return (null, null); }
    }

    private static bool IsAlive(int pid) => pid == Environment.ProcessId || AtomicFile.IsRunning(pid);

    /// <summary>Removes the lock file (also used just before an immediate exit).</summary>
    public void Release()
    {
        if (!_held) return;
        _held = false;
        try { File.Delete(_path); } catch (IOException) { /* best effort: a stale lock is taken over next time */ }
    }

    public void Dispose() => Release();
}
