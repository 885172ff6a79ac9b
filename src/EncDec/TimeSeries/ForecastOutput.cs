using System.Text.Json.Serialization;

namespace EncDec.TimeSeries;

/// <summary>What the model predicts for each future step.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ForecastOutput>))]
public enum ForecastOutput
{
    /// <summary>One value, trained with <see cref="PointLoss"/>.</summary>
    Point,
    /// <summary>The quantiles <see cref="ForecastConfig.Quantiles"/>, trained with the pinball loss.</summary>
    Quantile,
    /// <summary>A Gaussian's mean and standard deviation, trained with the negative log-likelihood.</summary>
    Gaussian,
}
