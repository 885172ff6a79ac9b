namespace EncDec.TimeSeries;

/// <summary>
/// Which columns a forecaster reads and how the series is cut: target columns (predicted jointly), covariate columns
/// (known in advance; scaled like targets) and calendar features as known-future inputs; window lengths; the
/// time-ordered split (the last <see cref="TestFraction"/> for testing, the <see cref="ValidFraction"/> before it for
/// validation); the seasonal period (0: from the time stamps — 52 weekly, 12 monthly, 1 otherwise); a transform of the targets.
/// </summary>
public sealed record ForecastSpec
{
    public required string TimeColumn { get; init; }
    public required IReadOnlyList<string> Targets { get; init; }
    public IReadOnlyList<string> CovariateColumns { get; init; } = [];
    public CalendarFeatures Calendar { get; init; } = CalendarFeatures.Annual;
    public required WindowOptions Windows { get; init; }
    public double ValidFraction { get; init; } = 0.1;
    public double TestFraction { get; init; } = 0.2;
    public int Season { get; init; }
    /// <summary>Variance-stabilising map of the target values before standardisation, fit (mean, std) on the training rows.</summary>
    public SeriesTransform Transform { get; init; } = SeriesTransform.None;
}
