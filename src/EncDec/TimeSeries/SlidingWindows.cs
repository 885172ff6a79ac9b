namespace EncDec.TimeSeries;

/// <summary>Sliding windows over a series: the start row of each window's context.</summary>
public static class SlidingWindows
{
    /// <summary>
    /// Start rows s of every window whose targets [s+Context, s+Context+Horizon) lie inside [<paramref name="start"/>,
    /// <paramref name="end"/>) and whose context [s, s+Context) starts at row 0 or later; the first window's targets begin
    /// at <paramref name="start"/> (or as soon as a full context exists), the next <see cref="WindowOptions.Stride"/> later.
    /// </summary>
    public static int[] Starts(int start, int end, WindowOptions w)
    {
        var r = new List<int>();
        int first = Math.Max(start, w.Context);                    // first target row
        for (int t = first; t + w.Horizon <= end; t += w.Stride) r.Add(t - w.Context);
        return r.ToArray();
    }

    /// <summary>Windows whose targets lie in <paramref name="part"/> of <paramref name="split"/>.</summary>
    public static int[] Starts(TimeSplit split, SplitPart part, WindowOptions w)
    {
        var (s, e) = split.Range(part);
        return Starts(s, e, w);
    }
}
