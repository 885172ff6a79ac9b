using System.Globalization;
using System.Text;
using EncDec.Training;
using Spectre.Console;

namespace EncDec.Cli;

/// <summary>
/// Console output for long jobs: a live Spectre.Console progress bar (step, loss, tokens/s, ETA) on an interactive
/// terminal; plain, greppable log lines when output is redirected (CI, files, tests).
/// </summary>
internal sealed class Ui
{
    private readonly TextWriter _out;
    public bool Interactive { get; }

    public Ui(TextWriter stdout)
    {
        _out = stdout;
        Interactive = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected
                      && Environment.GetEnvironmentVariable("CI") is null && Environment.GetEnvironmentVariable("ENCDEC_PLAIN") is null;
    }

    public void Line(string text) => _out.WriteLine(text);

    /// <summary>Runs <paramref name="train"/> while showing progress; returns its result.</summary>
    public TrainResult TrainWithProgress(Trainer trainer, long maxSteps, int logEvery, Func<TrainResult> train)
    {
        if (!Interactive)
        {
            trainer.StepCompleted += s =>
            {
                if (s.Step % Math.Max(logEvery, 1) == 0 || s.Step == maxSteps)
                    _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"step {s.Step}/{maxSteps} loss {s.Loss:F4} lr {s.Lr:E2} tok/s {s.TokensPerSecond:F0} elapsed {s.ElapsedSeconds:F0}s"));
            };
            trainer.Validated += v => _out.WriteLine(FormatValidation(v));
            return train();
        }
        TrainResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: maxSteps);
                trainer.StepCompleted += s =>
                {
                    task.Value = s.Step;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"step {s.Step} loss {s.Loss:F3} {s.TokensPerSecond:F0} tok/s");
                };
                trainer.Validated += v => AnsiConsole.MarkupLine(Markup.Escape(FormatValidation(v)));
                result = train();
                task.Value = maxSteps;
            });
        return result!;
    }

    public static string FormatValidation(ValidationInfo v)
    {
        var ci = CultureInfo.InvariantCulture;
        return string.Create(ci, $"valid step {v.Step}: loss {v.Loss:F4} ppl {v.Perplexity:F3}")
            + (v.Bleu is { } b ? string.Create(ci, $" bleu {b:F2}") : "")
            + (v.ChrF is { } c ? string.Create(ci, $" chrf {c:F2}") : "")
            + (v.ExactMatch is { } e ? string.Create(ci, $" exact {e * 100:F1}%") : "")
            + (v.IsBest ? " (best)" : "");
    }

    /// <summary>A two-column table (Spectre when interactive, aligned text otherwise).</summary>
    public void Table(string title, IEnumerable<(string Key, string Value)> rows)
    {
        var list = rows.ToList();
        if (Interactive)
        {
            var t = new Table().Title(title).AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
            foreach (var (k, v) in list) t.AddRow(Markup.Escape(k), Markup.Escape(v));
            AnsiConsole.Write(t);
            return;
        }
        _out.WriteLine(title);
        int w = list.Count == 0 ? 0 : list.Max(r => r.Key.Length);
        foreach (var (k, v) in list) _out.WriteLine($"  {k.PadRight(w)}  {v}");
    }
}

/// <summary>Writes a loss curve as a small standalone SVG.</summary>
internal static class LossCurveSvg
{
    public static string Render(IReadOnlyList<double> losses, IReadOnlyList<(long Step, double Loss)>? valid = null)
    {
        const int W = 640, H = 360, L = 56, R = 16, T = 24, B = 40;
        var pts = losses.Select((v, i) => (x: (double)(i + 1), y: v)).Where(p => double.IsFinite(p.y)).ToList();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        sb.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        if (pts.Count > 0)
        {
            double xMax = Math.Max(pts[^1].x, 1), yMax = pts.Max(p => p.y), yMin = Math.Min(0, pts.Min(p => p.y));
            if (valid is { Count: > 0 }) yMax = Math.Max(yMax, valid.Max(v => v.Loss));
            if (yMax <= yMin) yMax = yMin + 1;
            double X(double x) => L + (W - L - R) * (x / xMax);
            double Y(double y) => T + (H - T - B) * (1 - (y - yMin) / (yMax - yMin));
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"#333\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"#333\"/>\n");
            for (int i = 0; i <= 4; i++)
            {
                double y = yMin + (yMax - yMin) * i / 4;
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{L - 6}\" y=\"{Y(y) + 4:F1}\" text-anchor=\"end\">{y:G3}</text><line x1=\"{L}\" y1=\"{Y(y):F1}\" x2=\"{W - R}\" y2=\"{Y(y):F1}\" stroke=\"#eee\"/>\n");
            }
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{W - R}\" y=\"{H - 12}\" text-anchor=\"end\">step {xMax:F0}</text><text x=\"{L}\" y=\"{H - 12}\">0</text>\n");
            sb.Append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"");
            int stride = Math.Max(1, pts.Count / 1000);
            for (int i = 0; i < pts.Count; i += stride) sb.Append(CultureInfo.InvariantCulture, $"{X(pts[i].x):F1},{Y(pts[i].y):F1} ");
            sb.Append("\"/>\n");
            if (valid is { Count: > 0 })
                foreach (var (s, l) in valid) sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(s):F1}\" cy=\"{Y(l):F1}\" r=\"3\" fill=\"#d62728\"/>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{L + 8}\" y=\"{T - 8}\">training loss (blue){(valid is { Count: > 0 } ? ", validation loss (red)" : "")}</text>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }
}
