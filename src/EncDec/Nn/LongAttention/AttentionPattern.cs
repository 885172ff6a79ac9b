namespace EncDec.Nn.LongAttention;

/// <summary>
/// Which keys a query may see in <see cref="BlockAttention"/>. Query row i sits at key position p = i + shift
/// (shift = Tk − Tq, the queries are the last Tq positions). <see cref="Causal"/>: keys j ≤ p.
/// <see cref="Window"/> &gt; 0: causal keys p−w &lt; j ≤ p, bidirectional |p − j| ≤ w/2; the first
/// <see cref="GlobalTokens"/> positions see and are seen by every position. Window 0: every key.
/// </summary>
internal readonly record struct AttentionPattern(bool Causal, int Window = 0, int GlobalTokens = 0)
{
    public bool Allowed(int i, int j, int shift)
    {
        int p = i + shift;
        if (Causal && j > p) return false;
        if (Window <= 0 || j < GlobalTokens || p < GlobalTokens) return true;
        return Causal ? j > p - Window : Math.Abs(p - j) <= Window / 2;
    }

    /// <summary>True when every key of [j0, j1) is allowed for every query row of [i0, i1) (no per-element check).</summary>
    public bool AllAllowed(int i0, int i1, int j0, int j1, int shift)
    {
        if (Causal && j1 - 1 > i0 + shift) return false;
        if (Window <= 0) return true;
        return Allowed(i0, j0, shift) && Allowed(i0, j1 - 1, shift) && Allowed(i1 - 1, j0, shift) && Allowed(i1 - 1, j1 - 1, shift)
               && (i0 + shift >= GlobalTokens || i1 - 1 + shift < GlobalTokens);
    }

    /// <summary>The key ranges [lo, hi) that rows [i0, i1) may see (at most two), written to <paramref name="ranges"/>; returns the count.</summary>
    public int KeyRanges(int i0, int i1, int shift, int tk, Span<(int Lo, int Hi)> ranges)
    {
        int p0 = i0 + shift, p1 = i1 - 1 + shift;
        int end = Causal ? Math.Min(tk, p1 + 1) : tk;
        if (Window <= 0 || p0 < GlobalTokens)
        {
            if (end <= 0) return 0;
            ranges[0] = (0, end);
            return 1;
        }
        int lo = Causal ? p0 - Window + 1 : p0 - Window / 2;
        int hi = Causal ? p1 + 1 : p1 + Window / 2 + 1;
        int g = Math.Min(GlobalTokens, tk);
        lo = Math.Max(lo, g); hi = Math.Min(hi, tk);
        int n = 0;
        if (g > 0) ranges[n++] = (0, g);
        if (hi > lo) ranges[n++] = (lo, hi);
        return n;
    }
}
