namespace EncDec.TimeSeries;

/// <summary>Scores a model and the baselines on the same windows.</summary>
public static class ForecastEvaluation
{
    public const string ModelMethod = "model", NaiveMethod = "naive", SeasonalMethod = "seasonal-naive", ArMethod = "linear-AR";

    /// <summary>Evaluates on the windows of <paramref name="part"/> (the test part by default).</summary>
    public static ForecastReport Evaluate(ForecastModel model, PreparedSeries s, SplitPart part = SplitPart.Test, LinearArBlend? blend = null)
        => Evaluate([model], s, part, blend);

    /// <summary>Evaluates an ensemble (the median of its members' forecasts; blended with <paramref name="blend"/> when given) on the windows of <paramref name="part"/>.</summary>
    public static ForecastReport Evaluate(IReadOnlyList<ForecastModel> models, PreparedSeries s, SplitPart part = SplitPart.Test, LinearArBlend? blend = null)
    {
        var starts = part switch { SplitPart.Train => s.TrainStarts, SplitPart.Valid => s.ValidStarts, _ => s.TestStarts };
        if (starts.Length == 0) throw new UserInputException($"no {part.ToString().ToLowerInvariant()} windows: that part is shorter than --horizon");
        var pred = ForecastPrediction.Run(models, s.Data, s.Scaler, starts, blend: blend);
        var w = s.Spec.Windows;
        int H = w.Horizon, C = w.Context;
        var rows = new List<ForecastReportRow>();
        var orders = new List<int>();
        for (int j = 0; j < s.RawTargets.Count; j++)
        {
            var y = s.RawTargets[j];
            string name = s.Spec.Targets[j];
            double scale = ForecastMetrics.SeasonalNaiveScale(y, s.Split.TrainEnd, s.Season);
            var ar = LinearAutoregression.SelectOrder(y, s.Split.TrainEnd, s.Season, w, s.ValidStarts);
            orders.Add(ar.Order);
            var actual = new List<float>(); var mp = new List<float>(); var lo = new List<float>(); var hi = new List<float>();
            var naive = new List<float>(); var seas = new List<float>(); var arp = new List<float>();
            for (int i = 0; i < starts.Length; i++)
            {
                int st = starts[i];
                var ctx = y.AsSpan(st, C);
                var fn = Baselines.Naive(ctx, H); var fs = Baselines.SeasonalNaive(ctx, H, s.Season); var fa = ar.Forecast(ctx, H);
                for (int h = 0; h < H; h++)
                {
                    actual.Add(y[st + C + h]);
                    mp.Add(pred.Point[i][h][j]);
                    if (pred.Lower is not null) { lo.Add(pred.Lower[i][h][j]); hi.Add(pred.Upper![i][h][j]); }
                    naive.Add(fn[h]); seas.Add(fs[h]); arp.Add(fa[h]);
                }
            }
            rows.Add(new(ModelMethod, name, ForecastMetrics.Score(actual, mp, scale, pred.Lower is null ? null : lo, pred.Lower is null ? null : hi)));
            rows.Add(new(NaiveMethod, name, ForecastMetrics.Score(actual, naive, scale)));
            rows.Add(new(SeasonalMethod, name, ForecastMetrics.Score(actual, seas, scale)));
            rows.Add(new(ArMethod, name, ForecastMetrics.Score(actual, arp, scale)));
        }
        return new ForecastReport(rows, s.Season, orders, starts.Length, pred.IntervalLevel);
    }
}
