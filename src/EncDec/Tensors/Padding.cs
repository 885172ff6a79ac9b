namespace EncDec.Tensors;

/// <summary>The one padding routine: ragged rows of ids → a right-padded (rows, width) <see cref="IndexTensor"/>.</summary>
public static class Padding
{
    /// <summary>
    /// Rows left-aligned in a (rows.Count, width) tensor, the rest filled with <paramref name="padId"/>; width is the
    /// longest row, at least <paramref name="minWidth"/>.
    /// </summary>
    public static IndexTensor PadRows(IReadOnlyList<int[]> rows, int padId, out int width, int minWidth = 1)
    {
        ArgumentNullException.ThrowIfNull(rows);
        width = minWidth;
        foreach (var r in rows) width = Math.Max(width, (r ?? throw new ArgumentException("null row")).Length);
        var ids = new int[rows.Count * width];
        if (padId != 0) Array.Fill(ids, padId);
        for (int i = 0; i < rows.Count; i++) rows[i].CopyTo(ids, i * width);
        return new IndexTensor(ids, rows.Count, width);                                   // (rows, width)
    }
}
