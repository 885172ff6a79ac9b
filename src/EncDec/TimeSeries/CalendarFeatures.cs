namespace EncDec.TimeSeries;

/// <summary>Known-future features computed from the time stamp alone.</summary>
public enum CalendarFeatures
{
    None,
    /// <summary>sin and cos of the phase within the year (day of year / 365.25, or month / 12).</summary>
    Annual,
}
