using System.Globalization;

namespace EncDec.TimeSeries;

/// <summary>
/// The parsed time stamps of a series: their kind, the regular step between them (the median difference) and a
/// position within the year for calendar features. <see cref="Extend"/> writes the stamps that follow the last one,
/// in the input's format, for forecasts past the end of the data.
/// </summary>
public sealed class TimeAxis
{
    private readonly DateTime[]? _dates;
    private readonly double[]? _numbers;

    public TimeKind Kind { get; }
    public int Length { get; }
    /// <summary>The step between stamps: days (dates), months (months) or units (numbers).</summary>
    public double Step { get; }

    private TimeAxis(TimeKind kind, DateTime[]? dates, double[]? numbers, int length)
    {
        Kind = kind; _dates = dates; _numbers = numbers; Length = length;
        Step = MedianStep();
    }

    /// <summary>Parses <paramref name="times"/>; every stamp must have the first one's format and the stamps must increase.</summary>
    /// <exception cref="UserInputException">A stamp that does not parse or does not increase (naming <paramref name="source"/>, row order).</exception>
    public static TimeAxis Parse(IReadOnlyList<string> times, string source)
    {
        if (times.Count == 0) throw new UserInputException(source, null, "no time stamps");
        var kind = Detect(times[0]) ?? throw new UserInputException(source, 2, $"time '{times[0]}' is not a date (yyyy-MM-dd), month (yyyy-MM) or number");
        int n = times.Count;
        if (kind == TimeKind.Number)
        {
            var v = new double[n];
            for (int i = 0; i < n; i++)
                if (!double.TryParse(times[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]))
                    throw new UserInputException(source, null, $"row {i + 1}: time '{times[i]}' is not a number like the first row's");
            CheckIncreasing(source, n, i => v[i] > v[i - 1], times);
            return new TimeAxis(kind, null, v, n);
        }
        var d = new DateTime[n];
        string format = kind == TimeKind.Month ? "yyyy-MM" : "yyyy-MM-dd";
        for (int i = 0; i < n; i++)
        {
            string s = kind == TimeKind.Date && times[i].Length > 10 ? times[i][..10] : times[i];
            if (!DateTime.TryParseExact(s, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out d[i]))
                throw new UserInputException(source, null, $"row {i + 1}: time '{times[i]}' is not a {format} stamp like the first row's");
        }
        CheckIncreasing(source, n, i => d[i] > d[i - 1], times);
        return new TimeAxis(kind, d, null, n);
    }

    private static void CheckIncreasing(string source, int n, Func<int, bool> ok, IReadOnlyList<string> times)
    {
        for (int i = 1; i < n; i++)
            if (!ok(i)) throw new UserInputException(source, null, $"row {i + 1}: time '{times[i]}' does not come after '{times[i - 1]}' (rows must be in time order)");
    }

    private static TimeKind? Detect(string s)
    {
        if (s.Length >= 10 && DateTime.TryParseExact(s[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)) return TimeKind.Date;
        if (s.Length == 7 && DateTime.TryParseExact(s, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)) return TimeKind.Month;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return TimeKind.Number;
        return null;
    }

    private double Position(int i) => Kind switch
    {
        TimeKind.Date => (_dates![i] - _dates[0]).TotalDays,
        TimeKind.Month => (_dates![i].Year - _dates[0].Year) * 12 + _dates[i].Month - _dates[0].Month,
        _ => _numbers![i],
    };

    private double MedianStep()
    {
        if (Length < 2) return 1;
        var diffs = new double[Length - 1];
        for (int i = 1; i < Length; i++) diffs[i - 1] = Position(i) - Position(i - 1);
        Array.Sort(diffs);
        return diffs[diffs.Length / 2];
    }

    /// <summary>The usual seasonal period in steps: 52 for weekly dates, 365 daily, 12 monthly, 4 quarterly, else 1.</summary>
    public int DefaultSeason() => Kind switch
    {
        TimeKind.Date when Step is >= 6 and <= 8 => 52,
        TimeKind.Date when Step is >= 0.9 and <= 1.1 => 7,
        TimeKind.Date when Step is >= 28 and <= 31 => 12,
        TimeKind.Month when Step == 1 => 12,
        TimeKind.Month when Step == 3 => 4,
        _ => 1,
    };

    /// <summary>Whether annual calendar features mean anything for these stamps (dates or months finer than a year).</summary>
    public bool HasAnnualCycle => Kind != TimeKind.Number && (Kind == TimeKind.Month ? Step < 12 : Step < 365);

    /// <summary>Number of features <paramref name="kind"/> adds.</summary>
    public static int FeatureCount(CalendarFeatures kind) => kind == CalendarFeatures.Annual ? 2 : 0;

    /// <summary>Calendar features of rows 0 … Length-1+<paramref name="extra"/> (rows past the end follow the regular step): (rows, count).</summary>
    public float[][] Features(CalendarFeatures kind, int extra = 0)
    {
        int n = Length + extra, k = FeatureCount(kind);
        var f = new float[n][];
        for (int i = 0; i < n; i++)
        {
            f[i] = new float[k];
            if (kind != CalendarFeatures.Annual) continue;
            double phase = YearPhase(i);
            f[i][0] = (float)Math.Sin(2 * Math.PI * phase);
            f[i][1] = (float)Math.Cos(2 * Math.PI * phase);
        }
        return f;
    }

    /// <summary>Fraction of the year at row <paramref name="i"/> (0 for plain numbers).</summary>
    private double YearPhase(int i)
    {
        if (Kind == TimeKind.Number) return 0;
        var d = StampAt(i);
        return Kind == TimeKind.Month ? (d.Month - 1) / 12.0 : (d.DayOfYear - 1) / 365.25;
    }

    private DateTime StampAt(int i)
    {
        if (i < Length) return _dates![i];
        int k = i - Length + 1;
        return Kind == TimeKind.Month ? _dates![^1].AddMonths((int)Math.Round(Step) * k) : _dates![^1].AddDays(Step * k);
    }

    /// <summary>The <paramref name="count"/> stamps after the last one, written in the input's format.</summary>
    public string[] Extend(int count)
    {
        var r = new string[count];
        for (int k = 0; k < count; k++)
        {
            int i = Length + k;
            r[k] = Kind switch
            {
                TimeKind.Number => (_numbers![^1] + Step * (k + 1)).ToString("R", CultureInfo.InvariantCulture),
                TimeKind.Month => StampAt(i).ToString("yyyy-MM", CultureInfo.InvariantCulture),
                _ => StampAt(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            };
        }
        return r;
    }
}
