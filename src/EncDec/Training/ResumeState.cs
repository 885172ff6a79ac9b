using System.Globalization;
using System.Text.Json;
using EncDec.Optim;

namespace EncDec.Training;

/// <summary>
/// The trainer's counters kept in a checkpoint's extra metadata (<c>extra.epoch</c>, <c>extra.batch_in_epoch</c>,
/// <c>extra.best</c>, <c>extra.bad_validations</c>, <c>extra.skipped</c>, <c>extra.losses</c>), parsed with their
/// types and ranges checked. An absent or empty entry takes its start value (0, no best, no losses).
/// </summary>
public sealed record ResumeState(int Epoch, int BatchInEpoch, double? Best, int BadValidations, int Skipped, IReadOnlyList<double> Losses)
{
    /// <summary>Most training losses a checkpoint may carry.</summary>
    public const int MaxLosses = 10_000_000;

    /// <summary>Reads the counters from <paramref name="extra"/>; <paramref name="source"/> (the checkpoint file) names it in errors.</summary>
    /// <exception cref="UserInputException">An entry is not of its type or out of range.</exception>
    public static ResumeState Parse(IReadOnlyDictionary<string, string> extra, string source)
    {
        UserInputException Bad(string key, string v, string what)
            => new(source, null, $"checkpoint metadata 'extra.{key}' = '{Clip(v)}' {what}");
        int Count(string key)
        {
            if (!extra.TryGetValue(key, out var v) || v.Length == 0) return 0;
            if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                throw Bad(key, v, "is not a non-negative integer");
            return n;
        }
        double? best = null;
        if (extra.TryGetValue("best", out var b) && b.Length > 0)
        {
            if (!double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                throw Bad("best", b, "is not a finite number");
            best = v;
        }
        var losses = new List<double>();
        if (extra.TryGetValue("losses", out var ls) && ls.Length > 0)
        {
            try
            {
                using var doc = JsonDocument.Parse(ls);
                if (doc.RootElement.ValueKind != JsonValueKind.Array) throw Bad("losses", ls, "is not a JSON array of numbers");
                foreach (var e in doc.RootElement.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out double v) || !double.IsFinite(v))
                        throw Bad("losses", ls, "holds an entry that is not a finite number");
                    if (losses.Count == MaxLosses) throw Bad("losses", ls, $"holds more than {MaxLosses} entries");
                    losses.Add(v);
                }
            }
            catch (JsonException) { throw Bad("losses", ls, "is not a JSON array of numbers"); }
        }
        return new ResumeState(Count("epoch"), Count("batch_in_epoch"), best, Count("bad_validations"), Count("skipped"), losses);
    }

    /// <summary>Loads a checkpoint's optimizer state into <paramref name="optimizer"/>; a state that does not fit it
    /// (another optimizer, other parameters or shapes) is a <see cref="UserInputException"/> naming <paramref name="source"/>.</summary>
    public static void LoadOptimizer(Optimizer optimizer, OptimizerStateDict state, string source)
    {
        try { optimizer.LoadStateDict(state); }
        catch (ArgumentException e) { throw new UserInputException(source, null, $"the optimizer state does not fit this run: {e.Message}"); }
    }

    private static string Clip(string v) => (v.Length > 40 ? v[..40] + "…" : v).ReplaceLineEndings(" ");
}
