using System.Globalization;
using System.Text;

namespace EncDec.TimeSeries;

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
