using System.Text.Json.Serialization;

namespace EncDec.TimeSeries;

/// <summary>The encoder and decoder of a forecasting model.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ForecastArchitecture>))]
public enum ForecastArchitecture { Lstm, Gru, Transformer }
