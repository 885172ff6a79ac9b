namespace EncDec.TimeSeries;

/// <summary>A frame read from CSV and the 1-based file lines whose missing values were filled (empty when none were).</summary>
public sealed record CsvReadResult(TimeSeriesFrame Frame, IReadOnlyList<long> FilledLines, int FilledValues)
{
    /// <summary>One line describing the filled values ("" when there were none): count and the first few lines.</summary>
    public string Describe()
    {
        if (FilledValues == 0) return "";
        var shown = string.Join(", ", FilledLines.Take(8));
        string more = FilledLines.Count > 8 ? $", … ({FilledLines.Count} lines)" : "";
        return $"{Frame.Source}: filled {FilledValues} missing value(s) by linear interpolation on line(s) {shown}{more}";
    }
}
