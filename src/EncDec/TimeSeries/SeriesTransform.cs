using System.Text.Json.Serialization;

namespace EncDec.TimeSeries;

/// <summary>
/// A variance-stabilising map applied to target values before standardisation (and undone on every forecast). Both
/// non-identity maps are odd and increasing on all reals (sign(x)·f(|x|)), so quantiles map to quantiles and
/// negative values stay legal.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<SeriesTransform>))]
public enum SeriesTransform
{
    /// <summary>The values as they are.</summary>
    None,
    /// <summary>sign(x)·√|x| (Box–Cox λ = ½): for counts whose spread grows with their level, such as sunspot numbers.</summary>
    Sqrt,
    /// <summary>sign(x)·ln(1 + |x|) (Box–Cox λ → 0): for series whose spread is proportional to their level.</summary>
    Log,
}
