using EncDec.TimeSeries;
using Xunit;

namespace EncDec.Tests.TimeSeries;

public sealed class TimeSeriesDataTests
{
    private static CsvReadResult Read(string text, MissingValuePolicy p = MissingValuePolicy.Error, string[]? cols = null)
        => TimeSeriesCsv.Read(new StringReader(text), "s.csv", "time", cols, p);

    [Fact]
    public void Reads_time_and_value_columns()
    {
        var r = Read("time,a,\"b\"\n2000-01,1.5,2\n2000-02,2.5,\"3\"\n");
        Assert.Equal(new[] { "a", "b" }, r.Frame.Columns);
        Assert.Equal(new[] { 1.5f, 2.5f }, r.Frame.Column("a", "--target"));
        Assert.Equal(new[] { 2f, 3f }, r.Frame.Values[1]);
        Assert.Equal(0, r.FilledValues);
    }

    [Fact]
    public void Missing_value_is_reported_by_line_or_interpolated()
    {
        const string csv = "time,a\n1,1\n2,\n3,NA\n4,4\n5,\n";
        var e = Assert.Throws<UserInputException>(() => Read(csv));
        Assert.Equal("s.csv:3: missing value in column 'a' (use --fill-missing interpolate to fill gaps)", e.Message);
        var r = Read(csv, MissingValuePolicy.Interpolate);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 4f }, r.Frame.Values[0]);   // linear inside, nearest at the end
        Assert.Equal(new long[] { 3, 4, 6 }, r.FilledLines);
        Assert.Contains("filled 3 missing value(s) by linear interpolation on line(s) 3, 4, 6", r.Describe());
    }

    [Theory]
    [InlineData("time,a\n1,x\n", "s.csv:2: 'x' in column 'a' is not a number")]
    [InlineData("time,a\n1,2,3\n", "s.csv:2: 3 fields but the header has 2")]
    [InlineData("time,a\n", "s.csv: no data rows after the header")]
    public void Bad_rows_name_the_line(string csv, string message)
        => Assert.Equal(message, Assert.Throws<UserInputException>(() => Read(csv)).Message);

    [Fact]
    public void Unknown_columns_name_the_flag()
    {
        Assert.StartsWith("--time-column: s.csv has no column 'time'", Assert.Throws<UserInputException>(() =>
            TimeSeriesCsv.Read(new StringReader("t,a\n1,2\n"), "s.csv", "time")).Message);
        Assert.StartsWith("--target: s.csv has no column 'zz'", Assert.Throws<UserInputException>(() => Read("time,a\n1,2\n", cols: ["zz"])).Message);
    }

    [Fact]
    public void Time_axis_detects_weekly_and_monthly_stamps_and_extends_them()
    {
        var w = TimeAxis.Parse(["2001-12-15", "2001-12-22", "2001-12-29"], "s.csv");
        Assert.Equal((TimeKind.Date, 7.0, 52), (w.Kind, w.Step, w.DefaultSeason()));
        Assert.Equal(new[] { "2002-01-05", "2002-01-12" }, w.Extend(2));
        var m = TimeAxis.Parse(["2010-11", "2010-12"], "s.csv");
        Assert.Equal(12, m.DefaultSeason());
        Assert.Equal(new[] { "2011-01" }, m.Extend(1));
        var f = m.Features(CalendarFeatures.Annual, extra: 1);             // Nov, Dec, then Jan: phase 10/12, 11/12, 0
        Assert.Equal(1f, f[2][1], 5);
        Assert.Equal((float)Math.Sin(2 * Math.PI * 10 / 12), f[0][0], 5);
        var y = TimeAxis.Parse(["1700", "1701"], "s.csv");
        Assert.Equal((TimeKind.Number, 1, false), (y.Kind, y.DefaultSeason(), y.HasAnnualCycle));
        Assert.Equal(new[] { "1702" }, y.Extend(1));
        Assert.Contains("does not come after", Assert.Throws<UserInputException>(() => TimeAxis.Parse(["2", "1"], "s.csv")).Message);
    }

    [Fact]
    public void Split_is_in_time_order_and_windows_keep_targets_inside_their_part()
    {
        var split = TimeSplit.FromFractions(100, 0.1, 0.2);
        Assert.Equal((70, 80), (split.TrainEnd, split.ValidEnd));
        var w = new WindowOptions(Context: 10, Horizon: 5, Stride: 2);
        var train = SlidingWindows.Starts(split, SplitPart.Train, w);
        var test = SlidingWindows.Starts(split, SplitPart.Test, w with { Stride = 1 });
        Assert.Equal(0, train[0]);                                         // first full context
        Assert.Equal(2, train[1] - train[0]);
        Assert.All(train, s => Assert.True(s + 10 + 5 <= 70));
        Assert.Equal(54, train[^1]);                                        // stride 2: targets 64..68 inside training, 66..70 would not be
        Assert.Equal(70, test[0]);                                          // targets from row 80: context looks back into validation
        Assert.Equal(85, test[^1]);                                         // targets 95..99
        Assert.Equal(16, test.Length);
    }

    [Fact]
    public void Scaler_is_fit_on_the_training_rows_only()
    {
        var a = new[] { 1f, 2f, 3f, 100f };
        var s = SeriesScaler.Fit([a], trainEnd: 3);
        Assert.Equal(2f, s.Mean[0], 6);
        Assert.Equal(MathF.Sqrt(2f / 3), s.Std[0], 5);
        a[3] = -1000;                                                        // a later value changes nothing
        var again = SeriesScaler.Fit([a], 3);
        Assert.Equal(s.Mean, again.Mean);
        Assert.Equal(s.Std, again.Std);
        Assert.Equal(3f, s.Inverse(0, s.Transform(0, 3f)), 5);
    }
}
