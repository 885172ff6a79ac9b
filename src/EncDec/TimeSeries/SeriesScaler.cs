namespace EncDec.TimeSeries;

/// <summary>
/// Per-series standardisation (f(x) − mean) / std, one mean and std per value column, fit on the training rows only so
/// nothing about later data leaks into training; f is the <see cref="Transformation"/> (identity by default). A
/// constant column gets std 1.
/// </summary>
public sealed record SeriesScaler(float[] Mean, float[] Std, SeriesTransform Transformation = SeriesTransform.None)
{
    /// <summary>Fits on rows [0, <paramref name="trainEnd"/>) of each column.</summary>
    public static SeriesScaler Fit(IReadOnlyList<float[]> columns, int trainEnd, SeriesTransform transform = SeriesTransform.None)
    {
        if (transform != SeriesTransform.None)
            columns = columns.Select(col => col.Select(x => (float)SeriesTransforms.Apply(transform, x)).ToArray()).ToArray();
        if (trainEnd < 1) throw new UserInputException("the training part of the series is empty (too short a series or too large --valid-fraction/--test-fraction)");
        var mean = new float[columns.Count]; var std = new float[columns.Count];
        for (int c = 0; c < columns.Count; c++)
        {
            double s = 0, ss = 0;
            for (int i = 0; i < trainEnd; i++) s += columns[c][i];
            double m = s / trainEnd;
            for (int i = 0; i < trainEnd; i++) { double d = columns[c][i] - m; ss += d * d; }
            double sd = Math.Sqrt(ss / trainEnd);
            mean[c] = (float)m; std[c] = sd > 1e-12 ? (float)sd : 1f;
        }
        return new SeriesScaler(mean, std, transform);
    }

    /// <summary>The scaled value of <paramref name="x"/> in <paramref name="column"/>.</summary>
    public float Transform(int column, float x) => ((float)SeriesTransforms.Apply(Transformation, x) - Mean[column]) / Std[column];
    /// <summary>The series value of scaled value <paramref name="z"/> (the transform undone).</summary>
    public float Inverse(int column, float z) => (float)SeriesTransforms.Invert(Transformation, z * Std[column] + Mean[column]);
    /// <summary>Inverse for a spread (a standard deviation or interval width): scaled by std only (in transformed units when <see cref="Transformation"/> is not None).</summary>
    public float InverseScale(int column, float z) => z * Std[column];

    /// <summary>Every column standardised (new arrays).</summary>
    public float[][] TransformAll(IReadOnlyList<float[]> columns)
        => columns.Select((col, c) => col.Select(x => Transform(c, x)).ToArray()).ToArray();
}
