using System.Text.Json.Serialization;

namespace EncDec.TimeSeries;

/// <summary>
/// The linear autoregression blended into one target's forecasts: where it was fit (<paramref name="Space"/>), its
/// coefficients (intercept, a₁ … a_p), the network's weight w (forecast = w·network + (1 − w)·AR) and, for the record,
/// the validation MASE of the network alone, the AR alone and the blend (NaN without validation windows).
/// </summary>
[JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
public sealed record ArBlendPart(ArBlendSpace Space, double[] Coefficients, double Weight,
                                 double ValidMaseNetwork = double.NaN, double ValidMaseAr = double.NaN, double ValidMaseBlend = double.NaN)
{
    /// <summary>The AR order p.</summary>
    [JsonIgnore]
    public int Order => Coefficients.Length - 1;
}
