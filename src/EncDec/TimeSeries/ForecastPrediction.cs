namespace EncDec.TimeSeries;

/// <summary>
/// Forecasts of windows in the series' units: per window, horizon step and target the point forecast and the bounds
/// of the central interval (<see cref="IntervalLevel"/>: the span between the outer quantiles, or 80% of a Gaussian;
/// no bounds for a point model).
/// </summary>
public sealed record ForecastPrediction(int[] Starts, float[][][] Point, float[][][]? Lower, float[][][]? Upper, double IntervalLevel)
{
    /// <summary>
    /// Runs <paramref name="model"/> autoregressively on the windows at <paramref name="starts"/> of <paramref name="data"/>
    /// (in chunks) and converts to the series' units with <paramref name="scaler"/>.
    /// </summary>
    public static ForecastPrediction Run(ForecastModel model, ForecastData data, SeriesScaler scaler, int[] starts, bool withFuture = true, LinearArBlend? blend = null)
        => Run([model], data, scaler, starts, withFuture, blend);

    /// <summary>
    /// As <see cref="Run(ForecastModel, ForecastData, SeriesScaler, int[], bool, LinearArBlend?)"/> for an ensemble of models of one
    /// config: every output (each quantile, the point, a Gaussian's mean and log σ) is the median over the members.
    /// With <paramref name="blend"/> the point forecasts are combined with its linear autoregressions (see <see cref="LinearArBlend"/>).
    /// </summary>
    public static ForecastPrediction Run(IReadOnlyList<ForecastModel> models, ForecastData data, SeriesScaler scaler, int[] starts, bool withFuture = true,
                                         LinearArBlend? blend = null)
    {
        if (models.Count == 0) throw new ArgumentException("no model to forecast with");
        var cfg = models[0].Config;
        if (blend?.Problem(cfg) is { } problem) throw new ArgumentException(problem);
        int H = cfg.Horizon, n = cfg.Targets, K = cfg.OutputsPerTarget, slot = cfg.PointSlot;
        bool intervals = cfg.Output != ForecastOutput.Point;
        var point = new float[starts.Length][][]; var lo = intervals ? new float[starts.Length][][] : null; var hi = intervals ? new float[starts.Length][][] : null;
        const float z80 = 1.2815516f;                                       // Φ⁻¹(0.9)
        foreach (var m in models) m.Eval();
        for (int i0 = 0; i0 < starts.Length; i0 += 256)
        {
            using var scope = Tensors.TensorScope.Begin();
            var chunk = starts.Skip(i0).Take(256).ToArray();
            var batch = data.Batch(chunk, cfg, withFuture);
            var y = Median(models.Select(m => m.Forecast(batch).ToArray()).ToList());   // (B, H, n, K) flat
            for (int b = 0; b < chunk.Length; b++)
            {
                int w = i0 + b;
                // the blend's shift of every output, per step and target, in model units (none without a blend)
                float[,]? shift = null;
                if (blend is not null)
                {
                    shift = new float[H, n];
                    for (int j = 0; j < n; j++)
                    {
                        var part = blend.Targets[j];
                        var ar = part.ForecastSeries(data.Targets[j].AsSpan(chunk[b], cfg.Context), H, scaler, j);
                        for (int h = 0; h < H; h++)
                        {
                            float z = y[((b * H + h) * n + j) * K + slot];
                            double mixed = part.Weight * scaler.Inverse(j, z) + (1 - part.Weight) * ar[h];
                            shift[h, j] = scaler.Transform(j, (float)mixed) - z;
                        }
                    }
                }
                point[w] = new float[H][];
                if (intervals) { lo![w] = new float[H][]; hi![w] = new float[H][]; }
                for (int h = 0; h < H; h++)
                {
                    point[w][h] = new float[n];
                    if (intervals) { lo![w][h] = new float[n]; hi![w][h] = new float[n]; }
                    for (int j = 0; j < n; j++)
                    {
                        int at = ((b * H + h) * n + j) * K;
                        float d = shift?[h, j] ?? 0f;
                        point[w][h][j] = scaler.Inverse(j, y[at + slot] + d);
                        if (cfg.Output == ForecastOutput.Quantile)
                        {
                            lo![w][h][j] = scaler.Inverse(j, y[at] + d);
                            hi![w][h][j] = scaler.Inverse(j, y[at + K - 1] + d);
                        }
                        else if (cfg.Output == ForecastOutput.Gaussian)
                        {
                            float sd = MathF.Exp(y[at + 1]);                       // in scaled (transformed) units
                            lo![w][h][j] = scaler.Inverse(j, y[at] + d - z80 * sd);
                            hi![w][h][j] = scaler.Inverse(j, y[at] + d + z80 * sd);
                        }
                    }
                }
            }
        }
        double level = cfg.Output switch
        {
            ForecastOutput.Quantile => cfg.Quantiles[^1] - cfg.Quantiles[0],
            ForecastOutput.Gaussian => 0.8,
            _ => 0,
        };
        return new ForecastPrediction(starts, point, lo, hi, level);
    }

    /// <summary>Element-wise median of the members' flat outputs (medians of sorted quantiles stay sorted: the median is increasing in every argument).</summary>
    internal static float[] Median(IReadOnlyList<float[]> members)
    {
        if (members.Count == 1) return members[0];
        var r = new float[members[0].Length];
        var v = new float[members.Count];
        for (int i = 0; i < r.Length; i++)
        {
            for (int m = 0; m < v.Length; m++) v[m] = members[m][i];
            Array.Sort(v);
            int mid = v.Length / 2;
            r[i] = v.Length % 2 == 1 ? v[mid] : 0.5f * (v[mid - 1] + v[mid]);
        }
        return r;
    }
}
