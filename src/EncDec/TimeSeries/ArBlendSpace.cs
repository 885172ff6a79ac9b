using System.Text.Json.Serialization;

namespace EncDec.TimeSeries;

/// <summary>The values a blended linear autoregression is fit on and forecasts.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ArBlendSpace>))]
public enum ArBlendSpace
{
    /// <summary>The series' own units (as the linear-AR baseline of the report).</summary>
    Series,
    /// <summary>The model's units: the transformed, standardised targets (with --transform sqrt an AR on square roots).</summary>
    Model,
}
