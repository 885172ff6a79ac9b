namespace EncDec.TimeSeries;

/// <summary>
/// A series made ready for a forecaster: raw target columns, the time axis, the split, the scalers fit on the
/// training rows, the scaled <see cref="ForecastData"/> and the window start rows of each part.
/// </summary>
public sealed record PreparedSeries(
    ForecastSpec Spec, TimeSeriesFrame Frame, TimeAxis Axis, TimeSplit Split, int Season,
    IReadOnlyList<float[]> RawTargets, SeriesScaler Scaler, SeriesScaler? CovariateScaler, ForecastData Data,
    int[] TrainStarts, int[] ValidStarts, int[] TestStarts)
{
    /// <summary>Covariates per step the model gets: calendar features then covariate columns.</summary>
    public int CovariateCount => Data.CovariateCount;

    /// <summary>
    /// Prepares <paramref name="frame"/>: parses the time axis, splits it in time order, fits the scalers on the
    /// training rows, computes calendar features for the rows and <paramref name="futureRows"/> more, and lists windows.
    /// </summary>
    public static PreparedSeries Prepare(TimeSeriesFrame frame, ForecastSpec spec, SeriesScaler? scaler = null,
                                         SeriesScaler? covariateScaler = null, int futureRows = 0)
    {
        spec.Windows.Validate();
        if (spec.Targets.Count == 0) throw new UserInputException("--target: at least one target column is needed");
        var axis = TimeAxis.Parse(frame.Times, frame.Source);
        var split = TimeSplit.FromFractions(frame.Length, spec.ValidFraction, spec.TestFraction);
        int season = spec.Season > 0 ? spec.Season : axis.DefaultSeason();
        var raw = spec.Targets.Select(t => frame.Column(t, "--target")).ToArray();
        var covRaw = spec.CovariateColumns.Select(c => frame.Column(c, "--covariates")).ToArray();
        if (futureRows > 0 && covRaw.Length > 0)
            throw new UserInputException("--covariates: a model with covariate columns cannot forecast past the end of the data (their future values are unknown)");
        scaler ??= SeriesScaler.Fit(raw, split.TrainEnd, spec.Transform);
        covariateScaler ??= covRaw.Length > 0 ? SeriesScaler.Fit(covRaw, split.TrainEnd) : null;
        var calendar = spec.Calendar == CalendarFeatures.Annual && !axis.HasAnnualCycle ? CalendarFeatures.None : spec.Calendar;
        var cal = axis.Features(calendar, futureRows);
        var covScaled = covariateScaler?.TransformAll(covRaw);
        int rows = frame.Length + futureRows;
        var cov = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            var row = new float[cal[r].Length + covRaw.Length];
            cal[r].CopyTo(row, 0);
            for (int c = 0; c < covRaw.Length; c++) row[cal[r].Length + c] = covScaled![c][r];
            cov[r] = row;
        }
        var data = new ForecastData(scaler.TransformAll(raw), cov);
        var w = spec.Windows;
        return new PreparedSeries(spec with { Calendar = calendar }, frame, axis, split, season, raw, scaler, covariateScaler, data,
            SlidingWindows.Starts(split, SplitPart.Train, w),
            SlidingWindows.Starts(split, SplitPart.Valid, w with { Stride = Math.Max(1, w.Stride) }),
            SlidingWindows.Starts(split, SplitPart.Test, w with { Stride = 1 }));
    }
}
