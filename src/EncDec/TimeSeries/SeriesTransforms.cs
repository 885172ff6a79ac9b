namespace EncDec.TimeSeries;

/// <summary>Applies and inverts a <see cref="SeriesTransform"/>.</summary>
public static class SeriesTransforms
{
    /// <summary>The transformed value of <paramref name="x"/>.</summary>
    public static double Apply(SeriesTransform t, double x) => t switch
    {
        SeriesTransform.Sqrt => Math.Sign(x) * Math.Sqrt(Math.Abs(x)),
        SeriesTransform.Log => Math.Sign(x) * Math.Log(1 + Math.Abs(x)),
        _ => x,
    };

    /// <summary>The value whose transform is <paramref name="y"/>.</summary>
    public static double Invert(SeriesTransform t, double y) => t switch
    {
        SeriesTransform.Sqrt => Math.Sign(y) * y * y,
        SeriesTransform.Log => Math.Sign(y) * (Math.Exp(Math.Abs(y)) - 1),
        _ => y,
    };
}
