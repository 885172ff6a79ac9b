namespace EncDec.Data;

/// <summary>The length filter applied while preprocessing (see <see cref="LengthFilter"/>).</summary>
public sealed record FilterEntry(int MinTokens, int MaxSrcTokens, int MaxTgtTokens, double MaxRatio)
{
    public static FilterEntry From(LengthFilter f) => new(f.MinTokens, f.MaxSrcTokens, f.MaxTgtTokens, f.MaxRatio);
    public LengthFilter ToFilter() => new() { MinTokens = MinTokens, MaxSrcTokens = MaxSrcTokens, MaxTgtTokens = MaxTgtTokens, MaxRatio = MaxRatio };
}
