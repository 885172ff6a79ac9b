using System.Buffers;
using System.Text.Unicode;

namespace EncDec.Data;

/// <summary>
/// Streams lines of a UTF-8 file with strict decoding: invalid bytes, over-long lines and I/O problems become
/// <see cref="UserInputException"/>s naming the file and the 1-based line. A BOM is stripped, CRLF handled.
/// </summary>
public sealed class Utf8LineReader : IDisposable
{
    private readonly Stream _stream;
    private readonly byte[] _buf = new byte[1 << 16];
    private byte[] _line = new byte[256];
    private char[] _chars = new char[256];
    private int _pos, _end;
    private readonly int _maxChars;
    private readonly long _maxBytes;

    /// <summary>The file being read.</summary>
    public string Path { get; }

    /// <summary>Number of lines returned so far (the 1-based number of the last one).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Opens <paramref name="path"/>; lines over <paramref name="maxLineChars"/> UTF-16 chars are errors.</summary>
    public Utf8LineReader(string path, int maxLineChars = 100_000)
    {
        Path = path;
        _maxChars = maxLineChars;
        _maxBytes = (long)maxLineChars * 3 + 4; // UTF-8 needs at most 3 bytes per UTF-16 char; + BOM/CR
        if (Directory.Exists(path)) throw new UserInputException(path, null, "is a folder, not a text file");
        if (!File.Exists(path)) throw new UserInputException(path, null, "file not found");
        try { _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new UserInputException(path, null, $"cannot open: {e.Message}"); }
    }

    /// <summary>Reads lines from <paramref name="stream"/> (a pipe is fine); <paramref name="name"/> names it in errors.</summary>
    public Utf8LineReader(Stream stream, string name, int maxLineChars = 100_000)
    {
        Path = name;
        _maxChars = maxLineChars;
        _maxBytes = (long)maxLineChars * 3 + 4;
        _stream = stream;
    }

    /// <summary>Every line of <paramref name="path"/> (strict UTF-8 as <see cref="ReadLine"/>; errors name the file and line).</summary>
    public static List<string> ReadAllLines(string path, int maxLineChars = 100_000)
    {
        var lines = new List<string>();
        using var reader = new Utf8LineReader(path, maxLineChars);
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    /// <summary>The next line without its terminator, or null at the end of the file.</summary>
    public string? ReadLine()
    {
        int len = 0;
        bool any = false;
        while (true)
        {
            if (_pos >= _end)
            {
                try { _end = _stream.Read(_buf, 0, _buf.Length); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
                { throw new UserInputException(Path, LineNumber + 1, $"read error: {e.Message}"); }
                _pos = 0;
                if (_end == 0) { if (!any) return null; break; }
            }
            any = true;
            var span = _buf.AsSpan(_pos, _end - _pos);
            int nl = span.IndexOf((byte)'\n');
            int take = nl < 0 ? span.Length : nl;
            if (len + (long)take > _maxBytes)
                throw new UserInputException(Path, LineNumber + 1, $"line is longer than the maximum of {_maxChars} characters");
            if (len + take > _line.Length) Array.Resize(ref _line, Math.Max(_line.Length * 2, len + take));
            span[..take].CopyTo(_line.AsSpan(len));
            len += take;
            _pos += take;
            if (nl >= 0) { _pos++; break; }
        }
        LineNumber++;
        var bytes = _line.AsSpan(0, len);
        if (LineNumber == 1 && bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        if (!bytes.IsEmpty && bytes[^1] == (byte)'\r') bytes = bytes[..^1];
        if (_chars.Length < bytes.Length) _chars = new char[Math.Max(_chars.Length * 2, bytes.Length)];
        int nul = bytes.IndexOf((byte)0);
        if (nul >= 0)
            throw new UserInputException(Path, LineNumber, $"NUL byte at byte {nul + 1} of the line (a binary file, or UTF-16 text?)");
        var status = Utf8.ToUtf16(bytes, _chars, out int read, out int written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
            throw new UserInputException(Path, LineNumber, $"invalid UTF-8 at byte {read + 1} of the line");
        if (written > _maxChars)
            throw new UserInputException(Path, LineNumber, $"line is longer than the maximum of {_maxChars} characters");
        return new string(_chars, 0, written);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();
}
