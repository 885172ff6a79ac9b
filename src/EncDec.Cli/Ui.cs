using System.Globalization;
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
