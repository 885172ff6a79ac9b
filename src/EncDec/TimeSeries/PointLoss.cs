using System.Text.Json.Serialization;

namespace EncDec.TimeSeries;

/// <summary>The loss of a point forecast.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PointLoss>))]
public enum PointLoss { Mse, Mae }
