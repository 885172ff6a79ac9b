using System.Globalization;
using System.Text;
using EncDec.TimeSeries;

namespace EncDec.Cli.Commands;

/// <summary>Forecast CSV files and an SVG plot of history, forecast and interval.</summary>
internal static class ForecastOutputFiles
{
    private static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>Writes window <paramref name="w"/> of <paramref name="pred"/>: time, then per target the point forecast and (with intervals) its bounds.</summary>
    public static void WriteCsv(string path, IReadOnlyList<string> targets, IReadOnlyList<string> times, ForecastPrediction pred, int w)
    {
        var sb = new StringBuilder("time");
        string pct = (pred.IntervalLevel * 100).ToString("0", CultureInfo.InvariantCulture);
        foreach (var t in targets)
        {
            sb.Append(',').Append(t);
            if (pred.Lower is not null) sb.Append(',').Append(t).Append("_lower").Append(pct).Append(',').Append(t).Append("_upper").Append(pct);
        }
        sb.Append('\n');
        for (int h = 0; h < times.Count; h++)
        {
            sb.Append(times[h]);
            for (int j = 0; j < targets.Count; j++)
            {
                sb.Append(',').Append(F(pred.Point[w][h][j]));
                if (pred.Lower is not null) sb.Append(',').Append(F(pred.Lower[w][h][j])).Append(',').Append(F(pred.Upper![w][h][j]));
            }
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>
    /// An SVG line plot of the first target: the history before row <paramref name="origin"/> (the last few contexts), the
    /// forecast after it with its interval as a band, and, with <paramref name="actualFuture"/>, the actual values it forecast.
    /// </summary>
    public static void WriteSvg(string path, PreparedSeries s, int origin, IReadOnlyList<string> futureTimes, ForecastPrediction pred, int w, bool actualFuture)
    {
        var y = s.RawTargets[0];
        int H = futureTimes.Count, C = s.Spec.Windows.Context;
        int histStart = Math.Max(0, origin - Math.Max(2 * C, 3 * H));
        var hist = Enumerable.Range(histStart, origin - histStart).Select(i => (X: (double)i, Y: (double)y[i])).ToList();
        var fc = Enumerable.Range(0, H).Select(h => (X: (double)(origin + h), Y: (double)pred.Point[w][h][0])).ToList();
        var act = actualFuture ? Enumerable.Range(0, H).Where(h => origin + h < y.Length).Select(h => (X: (double)(origin + h), Y: (double)y[origin + h])).ToList() : new();
        var lo = pred.Lower is null ? null : Enumerable.Range(0, H).Select(h => (X: (double)(origin + h), Y: (double)pred.Lower[w][h][0])).ToList();
        var hi = pred.Upper is null ? null : Enumerable.Range(0, H).Select(h => (X: (double)(origin + h), Y: (double)pred.Upper[w][h][0])).ToList();
        var all = hist.Concat(fc).Concat(act).Concat(lo ?? new()).Concat(hi ?? new()).ToList();
        double x0 = all.Min(p => p.X), x1 = Math.Max(all.Max(p => p.X), x0 + 1), y0 = all.Min(p => p.Y), y1 = all.Max(p => p.Y);
        if (y1 - y0 < 1e-9) { y0 -= 1; y1 += 1; }
        double pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
        const int W = 900, Hh = 360, L = 60, R = 20, T = 30, B = 40;
        string Px(double x) => F(L + (x - x0) / (x1 - x0) * (W - L - R));
        string Py(double v) => F(T + (y1 - v) / (y1 - y0) * (Hh - T - B));
        string Poly(IEnumerable<(double X, double Y)> pts) => string.Join(" ", pts.Select(p => Px(p.X) + "," + Py(p.Y)));
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{Hh}\" viewBox=\"0 0 {W} {Hh}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        string title = $"{s.Spec.Targets[0]}: history, forecast from {(origin < s.Frame.Length ? s.Frame.Times[origin] : futureTimes[0])}" +
                       (pred.Lower is not null ? $" with {(pred.IntervalLevel * 100).ToString("0", CultureInfo.InvariantCulture)}% interval" : "");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{L}\" y=\"18\">{System.Security.SecurityElement.Escape(title)}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{L}\" y1=\"{Hh - B}\" x2=\"{W - R}\" y2=\"{Hh - B}\" stroke=\"#888\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{Hh - B}\" stroke=\"#888\"/>\n");
        for (int k = 0; k <= 4; k++)
        {
            double v = y0 + (y1 - y0) * k / 4;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{L - 6}\" y=\"{Py(v)}\" text-anchor=\"end\">{v.ToString("G4", CultureInfo.InvariantCulture)}</text>\n");
        }
        string Time(double x) { int i = (int)x; return i < s.Frame.Length ? s.Frame.Times[i] : futureTimes[Math.Clamp(i - origin, 0, H - 1)]; }
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{L}\" y=\"{Hh - 12}\">{System.Security.SecurityElement.Escape(Time(x0))}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{W - R}\" y=\"{Hh - 12}\" text-anchor=\"end\">{System.Security.SecurityElement.Escape(Time(x1))}</text>\n");
        if (lo is not null && hi is not null)
            sb.Append(CultureInfo.InvariantCulture, $"<polygon points=\"{Poly(lo.Concat(Enumerable.Reverse(hi)))}\" fill=\"#f4a261\" fill-opacity=\"0.35\" stroke=\"none\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{Poly(hist)}\" fill=\"none\" stroke=\"#264653\" stroke-width=\"1.5\"/>\n");
        if (act.Count > 0) sb.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{Poly(act)}\" fill=\"none\" stroke=\"#264653\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{Poly(fc)}\" fill=\"none\" stroke=\"#e76f51\" stroke-width=\"2\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{W - R - 250}\" y=\"18\" fill=\"#264653\">— history{(act.Count > 0 ? " (dashed: actual)" : "")}</text><text x=\"{W - R - 80}\" y=\"18\" fill=\"#e76f51\">— forecast</text>\n");
        sb.Append("</svg>\n");
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}
