namespace EncDec.TimeSeries;

/// <summary>The reference forecasts printed beside a model's: naive, seasonal naive and a linear autoregression.</summary>
public enum BaselineKind { Naive, SeasonalNaive, LinearAr }
