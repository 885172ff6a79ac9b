namespace EncDec;

/// <summary>Writes files atomically: to a temporary file beside the target, then renamed over it,
/// so a crash or an error never leaves a half-written output.</summary>
public static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a temp stream, then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Environment.ProcessId + ".tmp");
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
            try { File.Delete(tmp); } catch { /* best effort */ }
            throw;
        }
    }

    /// <summary>Writes text (UTF-8, no BOM) atomically.</summary>
    public static void WriteAllText(string path, string text)
        => Write(path, s => { var b = new System.Text.UTF8Encoding(false).GetBytes(text); s.Write(b); });
}
