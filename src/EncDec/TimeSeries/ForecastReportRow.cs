namespace EncDec.TimeSeries;

/// <summary>One row of a <see cref="ForecastReport"/>: a method's scores on one target.</summary>
public sealed record ForecastReportRow(string Method, string Target, ForecastScores Scores);
