using System.Globalization;
using System.Text.RegularExpressions;
using EncDec.Data;
using Xunit;

namespace EncDec.Tests.Data;

public class SyntheticTaskTests
{
    [Theory]
    [InlineData(SyntheticTask.Copy)]
    [InlineData(SyntheticTask.Reverse)]
    [InlineData(SyntheticTask.Sort)]
    [InlineData(SyntheticTask.Dates)]
    [InlineData(SyntheticTask.Arithmetic)]
    public void Generate_IsDeterministicBySeed(SyntheticTask task)
    {
        var a = SyntheticTasks.Generate(task, 200, seed: 5);
        Assert.Equal(a, SyntheticTasks.Generate(task, 200, seed: 5));
        Assert.NotEqual(a, SyntheticTasks.Generate(task, 200, seed: 6));
        Assert.All(a, p => Assert.False(string.IsNullOrWhiteSpace(p.Source)));
    }

    [Fact]
    public void SequenceTasks_ProduceTheRightTargets()
    {
        foreach (var p in SyntheticTasks.Generate(SyntheticTask.Copy, 100, 1)) Assert.Equal(p.Source, p.Target);
        foreach (var p in SyntheticTasks.Generate(SyntheticTask.Reverse, 100, 1))
            Assert.Equal(p.Source.Split(' ').Reverse(), p.Target.Split(' '));
        foreach (var p in SyntheticTasks.Generate(SyntheticTask.Sort, 100, 1))
        {
            var s = p.Source.Split(' ');
            Assert.InRange(s.Length, 3, 12);
            Assert.Equal(s.Order(StringComparer.Ordinal), p.Target.Split(' '));
        }
    }

    private static readonly string[] Formats =
        ["d MMMM yyyy", "MMMM d, yyyy", "MM/dd/yy", "dddd, d MMM yyyy", "yyyy.MM.dd", "d MMMM yyyy",
         "dd-MMM-yyyy", "MMM d yyyy", "d.M.yyyy", "ddd MMM d yyyy", "yyyyMMdd"];

    [Fact]
    public void Dates_MapToTheCorrectIsoDate()
    {
        var pairs = SyntheticTasks.Generate(SyntheticTask.Dates, 2000, seed: 11);
        var ordinal = new Regex(@"^(\d+)(st|nd|rd|th) of ", RegexOptions.IgnoreCase);
        foreach (var p in pairs)
        {
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", p.Target);
            string s = ordinal.Replace(p.Source, "$1 ");
            var parsed = DateTime.ParseExact(s, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None);
            Assert.Equal(p.Target, parsed.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }
        // Every style occurs, and casing varies.
        var rng = new Random(1);
        var styles = new HashSet<DateStyle>();
        for (int i = 0; i < 500; i++) { SyntheticTasks.Date(rng, new SyntheticOptions(), out var st); styles.Add(st); }
        Assert.Equal(Enum.GetValues<DateStyle>().Length, styles.Count);
        Assert.True(Enum.GetValues<DateStyle>().Length >= 8);
        Assert.Contains(pairs, p => p.Source.Any(char.IsLetter) && p.Source == p.Source.ToLowerInvariant());
        Assert.Contains(pairs, p => p.Source.Any(char.IsLetter) && p.Source == p.Source.ToUpperInvariant());
    }

    [Fact]
    public void Dates_KnownExamples()
    {
        var d = new DateOnly(1998, 3, 3);
        Assert.Equal("3 March 1998", SyntheticTasks.FormatDate(d, DateStyle.DayMonthYear));
        Assert.Equal("March 3, 1998", SyntheticTasks.FormatDate(d, DateStyle.MonthDayCommaYear));
        Assert.Equal("03/03/98", SyntheticTasks.FormatDate(d, DateStyle.UsShort));
        Assert.Equal("Tuesday, 3 Mar 1998", SyntheticTasks.FormatDate(d, DateStyle.WeekdayDayMonAbbrYear));
        Assert.Equal("1998.03.03", SyntheticTasks.FormatDate(d, DateStyle.YearDotMonthDotDay));
        Assert.Equal("3rd of March 1998", SyntheticTasks.FormatDate(d, DateStyle.OrdinalOfMonthYear));
        Assert.Equal("11th of March 1998", SyntheticTasks.FormatDate(new DateOnly(1998, 3, 11), DateStyle.OrdinalOfMonthYear));
        Assert.Equal("22nd of March 1998", SyntheticTasks.FormatDate(new DateOnly(1998, 3, 22), DateStyle.OrdinalOfMonthYear));
    }

    [Fact]
    public void Arithmetic_TargetsEvaluateCorrectly()
    {
        Assert.Equal(33, SyntheticTasks.Evaluate("12+7*3"));
        Assert.Equal(-57, SyntheticTasks.Evaluate("(1-2*4)*9+6"));
        var table = new System.Data.DataTable();
        foreach (var p in SyntheticTasks.Generate(SyntheticTask.Arithmetic, 500, seed: 3))
        {
            Assert.Matches(@"^[0-9+\-*()]+$", p.Source);
            var expected = Convert.ToInt64(table.Compute(p.Source, ""), CultureInfo.InvariantCulture);
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), p.Target);
        }
    }

    [Fact]
    public void WriteFiles_WritesLineAlignedFilesThatReadBack()
    {
        using var d = new TempDir();
        var pairs = SyntheticTasks.Generate(SyntheticTask.Dates, 50, seed: 2);
        SyntheticTasks.WriteFiles(pairs, d.File("dates.src"), d.File("dates.tgt"));
        var back = ParallelCorpus.FromFiles(d.File("dates.src"), d.File("dates.tgt")).ToList();
        Assert.Equal(pairs.Select(p => (p.Source, p.Target)), back.Select(p => (p.Source, p.Target)));
    }
}
