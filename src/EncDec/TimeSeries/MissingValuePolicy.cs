namespace EncDec.TimeSeries;

/// <summary>What the CSV reader does with an empty or NA/NaN value field.</summary>
public enum MissingValuePolicy
{
    /// <summary>The first missing value is an error naming its file, line and column.</summary>
    Error,
    /// <summary>Missing values are filled by linear interpolation in time (ends: the nearest value); every filled line is reported.</summary>
    Interpolate,
}
