namespace EncDec.TimeSeries;

/// <summary>
/// A table of time-ordered observations read from a CSV file: one time stamp per row (kept as written) and one
/// or more value columns, each an array over the rows.
/// </summary>
public sealed record TimeSeriesFrame(string Source, string TimeColumn, IReadOnlyList<string> Times,
                                     IReadOnlyList<string> Columns, IReadOnlyList<float[]> Values)
{
    /// <summary>Number of rows (time steps).</summary>
    public int Length => Times.Count;

    /// <summary>The index of value column <paramref name="name"/>.</summary>
    /// <exception cref="UserInputException">No such column (the message names <paramref name="flag"/> and the columns there are).</exception>
    public int ColumnIndex(string name, string flag)
    {
        for (int i = 0; i < Columns.Count; i++)
            if (string.Equals(Columns[i], name, StringComparison.Ordinal)) return i;
        throw new UserInputException($"{flag}: {Source} has no column '{name}' (columns: {string.Join(", ", Columns)})");
    }

    /// <summary>The values of the named column.</summary>
    public float[] Column(string name, string flag) => Values[ColumnIndex(name, flag)];

    /// <summary>The first <paramref name="length"/> rows (a prefix, e.g. to forecast from an earlier point).</summary>
    public TimeSeriesFrame Prefix(int length)
        => this with { Times = Times.Take(length).ToArray(), Values = Values.Select(v => v[..length]).ToArray() };
}
