using EncDec.Data;

namespace EncDec.Metrics;

/// <summary>Reads evaluation text files: one segment a line, strict UTF-8.</summary>
public static class MetricFiles
{
    /// <summary>
    /// The lines of <paramref name="path"/>: split on <c>\n</c>, a trailing <c>\r</c> removed from each line, no line
    /// after a final newline, a leading UTF-8 byte-order mark dropped (the library's one strict reader, <see cref="Utf8LineReader"/>).
    /// </summary>
    /// <exception cref="UserInputException">The file is missing or unreadable, or a line is not valid UTF-8 (names file and line).</exception>
    public static List<string> ReadLines(string path)
    {
        if (Directory.Exists(path)) throw new UserInputException(path, null, "is a directory, not a file");
        return Utf8LineReader.ReadAllLines(path, MaxLineChars);
    }

    /// <summary>Evaluation segments may be long (a document a line): the reader's limit is only a guard.</summary>
    public const int MaxLineChars = 1 << 26;
}
