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
    public static ForecastPrediction Run(ForecastModel model, ForecastData data, SeriesScaler scaler, int[] starts, bool withFuture = true)
    {
        var cfg = model.Config;
        int H = cfg.Horizon, n = cfg.Targets, K = cfg.OutputsPerTarget, slot = cfg.PointSlot;
        bool intervals = cfg.Output != ForecastOutput.Point;
        var point = new float[starts.Length][][]; var lo = intervals ? new float[starts.Length][][] : null; var hi = intervals ? new float[starts.Length][][] : null;
        const float z80 = 1.2815516f;                                       // Φ⁻¹(0.9)
        model.Eval();
        for (int i0 = 0; i0 < starts.Length; i0 += 256)
        {
            using var scope = Tensors.TensorScope.Begin();
            var chunk = starts.Skip(i0).Take(256).ToArray();
            var y = model.Forecast(data.Batch(chunk, cfg, withFuture)).ToArray();   // (B, H, n, K) flat
            for (int b = 0; b < chunk.Length; b++)
            {
                int w = i0 + b;
                point[w] = new float[H][];
                if (intervals) { lo![w] = new float[H][]; hi![w] = new float[H][]; }
                for (int h = 0; h < H; h++)
                {
                    point[w][h] = new float[n];
                    if (intervals) { lo![w][h] = new float[n]; hi![w][h] = new float[n]; }
                    for (int j = 0; j < n; j++)
                    {
                        int at = ((b * H + h) * n + j) * K;
                        point[w][h][j] = scaler.Inverse(j, y[at + slot]);
                        if (cfg.Output == ForecastOutput.Quantile)
                        {
                            lo![w][h][j] = scaler.Inverse(j, y[at]);
                            hi![w][h][j] = scaler.Inverse(j, y[at + K - 1]);
                        }
                        else if (cfg.Output == ForecastOutput.Gaussian)
                        {
                            float sd = scaler.InverseScale(j, MathF.Exp(y[at + 1]));
                            lo![w][h][j] = point[w][h][j] - z80 * sd;
                            hi![w][h][j] = point[w][h][j] + z80 * sd;
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
}
