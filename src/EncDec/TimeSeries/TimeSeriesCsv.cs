using System.Globalization;
using System.Text;

namespace EncDec.TimeSeries;

/// <summary>
/// Reads a time series from CSV: a header row, a time column and numeric value columns (comma-separated,
/// double-quoted fields allowed). Rows must be in time order as written; a value field that is empty, NA or NaN is
/// missing and handled by <see cref="MissingValuePolicy"/>. Every problem names the file and its 1-based line.
/// </summary>
public static class TimeSeriesCsv
{
    /// <summary>Reads <paramref name="path"/>. <paramref name="valueColumns"/> null keeps every column but the time column.</summary>
    public static CsvReadResult Read(string path, string timeColumn, IReadOnlyList<string>? valueColumns = null,
                                     MissingValuePolicy missing = MissingValuePolicy.Error)
    {
        if (!File.Exists(path)) throw new UserInputException(path, null, "file not found");
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        return Read(reader, path, timeColumn, valueColumns, missing);
    }

    /// <summary>Reads CSV text from <paramref name="reader"/>; <paramref name="source"/> names it in messages.</summary>
    public static CsvReadResult Read(TextReader reader, string source, string timeColumn, IReadOnlyList<string>? valueColumns = null,
                                     MissingValuePolicy missing = MissingValuePolicy.Error)
    {
        string? headerLine;
        try { headerLine = reader.ReadLine(); }
        catch (DecoderFallbackException) { throw new UserInputException(source, 1, "invalid UTF-8"); }
        if (headerLine is null) throw new UserInputException(source, null, "empty file (expected a header row)");
        var header = SplitFields(headerLine.TrimStart('\uFEFF'), source, 1);
        int timeIx = header.IndexOf(timeColumn);
        if (timeIx < 0) throw new UserInputException($"--time-column: {source} has no column '{timeColumn}' (columns: {string.Join(", ", header)})");
        var names = valueColumns?.ToList() ?? header.Where((_, i) => i != timeIx).ToList();
        if (names.Count == 0) throw new UserInputException(source, 1, "no value columns besides the time column");
        var ix = new int[names.Count];
        for (int c = 0; c < names.Count; c++)
        {
            ix[c] = header.IndexOf(names[c]);
            if (ix[c] < 0) throw new UserInputException($"--target: {source} has no column '{names[c]}' (columns: {string.Join(", ", header)})");
        }

        var times = new List<string>();
        var lines = new List<long>();
        var cols = names.Select(_ => new List<float>()).ToArray();
        long lineNo = 1;
        while (true)
        {
            string? line;
            try { line = reader.ReadLine(); }
            catch (DecoderFallbackException) { throw new UserInputException(source, lineNo + 1, "invalid UTF-8"); }
            if (line is null) break;
            lineNo++;
            if (line.Trim().Length == 0) continue;
            var f = SplitFields(line, source, lineNo);
            if (f.Count != header.Count) throw new UserInputException(source, lineNo, $"{f.Count} fields but the header has {header.Count}");
            string t = f[timeIx].Trim();
            if (t.Length == 0) throw new UserInputException(source, lineNo, $"empty time in column '{timeColumn}'");
            times.Add(t);
            lines.Add(lineNo);
            for (int c = 0; c < names.Count; c++)
            {
                string s = f[ix[c]].Trim();
                if (IsMissing(s))
                {
                    if (missing == MissingValuePolicy.Error)
                        throw new UserInputException(source, lineNo, $"missing value in column '{names[c]}' (use --fill-missing interpolate to fill gaps)");
                    cols[c].Add(float.NaN);
                    continue;
                }
                if (!float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new UserInputException(source, lineNo, $"'{s}' in column '{names[c]}' is not a number");
                cols[c].Add(v);
            }
        }
        if (times.Count == 0) throw new UserInputException(source, null, "no data rows after the header");

        var filledLines = new SortedSet<long>();
        int filled = 0;
        var values = new float[names.Count][];
        for (int c = 0; c < names.Count; c++)
        {
            values[c] = cols[c].ToArray();
            var gaps = Interpolate(values[c]);
            if (gaps.Count == values[c].Length) throw new UserInputException(source, null, $"column '{names[c]}' has no values");
            filled += gaps.Count;
            foreach (int r in gaps) filledLines.Add(lines[r]);
        }
        var frame = new TimeSeriesFrame(source, timeColumn, times, names, values);
        return new CsvReadResult(frame, filledLines.ToArray(), filled);
    }

    private static bool IsMissing(string s)
        => s.Length == 0 || s.Equals("NA", StringComparison.OrdinalIgnoreCase) || s.Equals("NaN", StringComparison.OrdinalIgnoreCase)
           || s.Equals("null", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fills NaN entries in place (linear between neighbours, nearest value at the ends); returns their rows.</summary>
    internal static List<int> Interpolate(float[] v)
    {
        var gaps = new List<int>();
        for (int i = 0; i < v.Length; i++) if (float.IsNaN(v[i])) gaps.Add(i);
        if (gaps.Count == 0 || gaps.Count == v.Length) return gaps;
        int prev = -1;
        for (int i = 0; i <= v.Length; i++)
        {
            if (i < v.Length && float.IsNaN(v[i])) continue;
            // rows prev+1 … i-1 are missing; prev and i (when in range) are known
            for (int j = prev + 1; j < i; j++)
            {
                if (prev < 0) v[j] = v[i];
                else if (i >= v.Length) v[j] = v[prev];
                else v[j] = v[prev] + (v[i] - v[prev]) * (j - prev) / (float)(i - prev);
            }
            prev = i;
        }
        return gaps;
    }

    /// <summary>Splits one CSV record (no embedded newlines) into fields; "" inside quotes is a quote.</summary>
    internal static List<string> SplitFields(string line, string source, long lineNo)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                    else quoted = false;
                }
                else sb.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(ch);
        }
        if (quoted) throw new UserInputException(source, lineNo, "unterminated quoted field");
        fields.Add(sb.ToString());
        return fields;
    }
}
