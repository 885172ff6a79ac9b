namespace EncDec.Data;

/// <summary>The outcome of filtering one example.</summary>
public enum FilterReason
{
    /// <summary>Kept.</summary>
    Kept,
    /// <summary>A side is shorter than the minimum.</summary>
    TooShort,
    /// <summary>A side is longer than the maximum.</summary>
    TooLong,
    /// <summary>The length ratio exceeds the maximum.</summary>
    BadRatio,
}
