using System.Diagnostics;
using System.Globalization;

namespace EncDec.Cli;

/// <summary>
/// <c>RUN/train.lock</c>: holds the pid of the process training into a run folder, so that a second trainer on the
/// same folder is refused instead of both overwriting each other's checkpoints. A lock whose process is no longer
/// running (a crash, a kill -9) is taken over. Removed on dispose.
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
                    w.Write(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
                return new RunLock(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                int? owner = ReadPid(path);
                if (owner is { } pid && IsAlive(pid))
                    throw new UserInputException(path, null, $"another trainer (pid {pid}) is using this run folder; wait for it to finish or stop it");
                say($"taking over the stale lock {path} ({(owner is { } p ? $"pid {p} is not running" : "no valid pid in it")})");
                try { File.Delete(path); } catch (IOException) { /* raced with another taker: retry */ }
            }
        }
        throw new UserInputException(path, null, "cannot take the run folder's lock");
    }

    private static int? ReadPid(string path)
    {
        try { return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null; }
        catch (IOException) { return null; }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }        // no such process
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Removes the lock file (also used just before an immediate exit).</summary>
    public void Release()
    {
        if (!_held) return;
        _held = false;
        try { File.Delete(_path); } catch (IOException) { /* best effort: a stale lock is taken over next time */ }
    }

    public void Dispose() => Release();
}
