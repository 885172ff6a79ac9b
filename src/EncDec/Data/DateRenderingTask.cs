using System.Globalization;

namespace EncDec.Data;

/// <summary>
/// A seq2seq task with a controllable attribute: a date written in one of the <see cref="DateStyle"/>s is to be written
/// either as ISO <c>YYYY-MM-DD</c> or as US <c>MM/DD/YYYY</c> — both correct, the rendering drawn per example
/// (US with probability <c>usFraction</c>), independent of the source. A model trained on it prefers the majority
/// rendering; a classifier over outputs can steer it to the other. Deterministic for a seed.
/// </summary>
public static class DateRenderingTask
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static List<RenderedDate> Generate(int count, int seed, double usFraction, SyntheticOptions? options = null)
    {
        if (usFraction is < 0 or > 1 || double.IsNaN(usFraction)) throw new ArgumentOutOfRangeException(nameof(usFraction));
        options ??= new SyntheticOptions();
        var rng = new Random(seed);
        var styles = Enum.GetValues<DateStyle>();
        int span = options.MaxDate.DayNumber - options.MinDate.DayNumber;
        var list = new List<RenderedDate>(count);
        for (int i = 0; i < count; i++)
        {
            var d = DateOnly.FromDayNumber(options.MinDate.DayNumber + rng.Next(span + 1));
            string source = SyntheticTasks.FormatDate(d, styles[rng.Next(styles.Length)]);
            var rendering = rng.NextDouble() < usFraction ? DateRendering.UsSlash : DateRendering.Iso;
            list.Add(new RenderedDate(source, Render(d, rendering), rendering, d));
        }
        return list;
    }

    /// <summary><paramref name="d"/> in <paramref name="rendering"/>.</summary>
    public static string Render(DateOnly d, DateRendering rendering) => rendering switch
    {
        DateRendering.Iso => d.ToString("yyyy-MM-dd", Inv),
        DateRendering.UsSlash => d.ToString("MM/dd/yyyy", Inv),
        _ => throw new ArgumentOutOfRangeException(nameof(rendering)),
    };

    /// <summary>The rendering <paramref name="output"/> has by its form (the rule; a date need not be valid), or null.</summary>
    public static DateRendering? RenderingOf(string output)
    {
        if (output.Length == 10 && output[4] == '-' && output[7] == '-') return DateRendering.Iso;
        if (output.Length == 10 && output[2] == '/' && output[5] == '/') return DateRendering.UsSlash;
        return null;
    }
}
