using System.Text;

namespace EncDec.Metrics;

/// <summary>Reads evaluation text files: one segment a line, strict UTF-8.</summary>
public static class MetricFiles
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The lines of <paramref name="path"/>: split on <c>\n</c>, a trailing <c>\r</c> removed from each line, no line
    /// after a final newline, a leading UTF-8 byte-order mark dropped.
    /// </summary>
    /// <exception cref="UserInputException">The file is missing or unreadable, or a line is not valid UTF-8 (names file and line).</exception>
    public static List<string> ReadLines(string path)
    {
        byte[] bytes;
        try
        {
            if (Directory.Exists(path)) throw new UserInputException(path, null, "is a directory, not a file");
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException) { throw new UserInputException(path, null, "file not found"); }
        catch (DirectoryNotFoundException) { throw new UserInputException(path, null, "file not found"); }
        catch (UnauthorizedAccessException e) { throw new UserInputException(path, null, "cannot read file: " + e.Message); }
        catch (IOException e) { throw new UserInputException(path, null, "cannot read file: " + e.Message); }

        var lines = new List<string>();
        int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        int lineNo = 0;
        while (start < bytes.Length)
        {
            int nl = Array.IndexOf(bytes, (byte)'\n', start);
            int end = nl < 0 ? bytes.Length : nl;
            lineNo++;
            int len = end - start;
            if (len > 0 && bytes[end - 1] == (byte)'\r') len--;
            try { lines.Add(StrictUtf8.GetString(bytes, start, len)); }
            catch (DecoderFallbackException) { throw new UserInputException(path, lineNo, "invalid UTF-8"); }
            start = nl < 0 ? bytes.Length : nl + 1;
        }
        return lines;
    }
}
