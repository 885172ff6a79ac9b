using System.Globalization;
using System.Text;

namespace EncDec.TimeSeries;

/// <summary>One row of a <see cref="ForecastReport"/>: a method's scores on one target.</summary>
public sealed record ForecastReportRow(string Method, string Target, ForecastScores Scores);

/// <summary>The model's scores on held-out windows beside the naive, seasonal-naive and linear-AR baselines.</summary>
public sealed record ForecastReport(IReadOnlyList<ForecastReportRow> Rows, int Season, IReadOnlyList<int> ArOrders, int Windows, double IntervalLevel)
{
    /// <summary>The row of <paramref name="method"/> for target <paramref name="target"/> (the first target when null).</summary>
    public ForecastScores Get(string method, string? target = null)
        => Rows.First(r => r.Method == method && (target is null || r.Target == target)).Scores;

    /// <summary>A fixed-width text table.</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        string cov = IntervalLevel > 0 ? $"cover{IntervalLevel * 100:0}%" : "coverage";
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{"target",-12} {"method",-16} {"MAE",10} {"RMSE",10} {"sMAPE%",8} {"MASE",7} {cov,9}"));
        foreach (var r in Rows)
        {
            var s = r.Scores;
            string c = s.Coverage is { } v ? (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{r.Target,-12} {r.Method,-16} {s.Mae,10:0.0000} {s.Rmse,10:0.0000} {s.Smape,8:0.00} {s.Mase,7:0.000} {c,9}"));
        }
        sb.Append(string.Create(CultureInfo.InvariantCulture,
            $"{Windows} windows; MASE scaled by the seasonal-naive (m = {Season}) error on the training rows; linear AR order {string.Join("/", ArOrders)} chosen on the validation rows"));
        return sb.ToString();
    }
}

/// <summary>Scores a model and the baselines on the same windows.</summary>
public static class ForecastEvaluation
{
    public const string ModelMethod = "model", NaiveMethod = "naive", SeasonalMethod = "seasonal-naive", ArMethod = "linear-AR";

    /// <summary>Evaluates on the windows of <paramref name="part"/> (the test part by default).</summary>
    public static ForecastReport Evaluate(ForecastModel model, PreparedSeries s, SplitPart part = SplitPart.Test)
    {
        var starts = part switch { SplitPart.Train => s.TrainStarts, SplitPart.Valid => s.ValidStarts, _ => s.TestStarts };
        if (starts.Length == 0) throw new UserInputException($"no {part.ToString().ToLowerInvariant()} windows: that part is shorter than --horizon");
        var pred = ForecastPrediction.Run(model, s.Data, s.Scaler, starts);
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
