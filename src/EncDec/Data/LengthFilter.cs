namespace EncDec.Data;

/// <summary>Length and length-ratio filtering of examples (in tokens, before BOS/EOS).</summary>
public sealed record LengthFilter
{
    /// <summary>Both sides need at least this many tokens.</summary>
    public int MinTokens { get; init; } = 1;
    /// <summary>Longest source kept (0 = unlimited).</summary>
    public int MaxSrcTokens { get; init; } = 256;
    /// <summary>Longest target kept (0 = unlimited).</summary>
    public int MaxTgtTokens { get; init; } = 256;
    /// <summary>Largest longer/shorter length ratio kept (0 = no ratio filter).</summary>
    public double MaxRatio { get; init; } = 0;

    /// <summary>Why an example would be dropped, or <see cref="FilterReason.Kept"/>.</summary>
    public FilterReason Check(int srcLen, int tgtLen)
    {
        if (srcLen < MinTokens || tgtLen < MinTokens) return FilterReason.TooShort;
        if ((MaxSrcTokens > 0 && srcLen > MaxSrcTokens) || (MaxTgtTokens > 0 && tgtLen > MaxTgtTokens)) return FilterReason.TooLong;
        if (MaxRatio > 0 && (double)Math.Max(srcLen, tgtLen) / Math.Max(1, Math.Min(srcLen, tgtLen)) > MaxRatio) return FilterReason.BadRatio;
        return FilterReason.Kept;
    }
}
