namespace EncDec.TimeSeries;

/// <summary>How the time stamps of a series are written.</summary>
public enum TimeKind
{
    /// <summary>ISO dates <c>yyyy-MM-dd</c> (a time of day after them is ignored).</summary>
    Date,
    /// <summary>ISO months <c>yyyy-MM</c>.</summary>
    Month,
    /// <summary>Plain numbers (years, indices): no calendar.</summary>
    Number,
}
