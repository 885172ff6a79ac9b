using System.Globalization;
using System.Text;

namespace EncDec.Data;

/// <summary>
/// Deterministic generators of (source, target) pairs: the same task, count, seed and options always give the same pairs.
/// </summary>
public static class SyntheticTasks
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Generates <paramref name="count"/> pairs of <paramref name="task"/>.</summary>
    public static List<SentencePair> Generate(SyntheticTask task, int count, int seed, SyntheticOptions? options = null)
    {
        options ??= new SyntheticOptions();
        var rng = new Random(seed);
        var list = new List<SentencePair>(count);
        for (int i = 0; i < count; i++)
        {
            var (s, t) = task switch
            {
                SyntheticTask.Copy or SyntheticTask.Reverse or SyntheticTask.Sort => Sequence(task, rng, options),
                SyntheticTask.Dates => Date(rng, options, out _),
                SyntheticTask.Arithmetic => Arithmetic(rng, options),
                _ => throw new ArgumentOutOfRangeException(nameof(task)),
            };
            list.Add(new SentencePair(s, t, i + 1));
        }
        return list;
    }

    /// <summary>Writes the pairs as two line-aligned UTF-8 files (atomically).</summary>
    public static void WriteFiles(IEnumerable<SentencePair> pairs, string sourcePath, string targetPath)
    {
        var src = new StringBuilder();
        var tgt = new StringBuilder();
        foreach (var p in pairs) { src.Append(p.Source).Append('\n'); tgt.Append(p.Target).Append('\n'); }
        AtomicFile.WriteAllText(sourcePath, src.ToString());
        AtomicFile.WriteAllText(targetPath, tgt.ToString());
    }

    private static (string, string) Sequence(SyntheticTask task, Random rng, SyntheticOptions o)
    {
        int len = rng.Next(o.MinLength, o.MaxLength + 1);
        var sym = new string[len];
        for (int i = 0; i < len; i++) sym[i] = o.Alphabet[rng.Next(o.Alphabet.Length)].ToString();
        var outSym = (string[])sym.Clone();
        if (task == SyntheticTask.Reverse) Array.Reverse(outSym);
        else if (task == SyntheticTask.Sort) Array.Sort(outSym, StringComparer.Ordinal);
        return (string.Join(' ', sym), string.Join(' ', outSym));
    }

    /// <summary>One random date written in a random style and casing, with its ISO form.</summary>
    public static (string Source, string Target) Date(Random rng, SyntheticOptions o, out DateStyle style)
    {
        int span = o.MaxDate.DayNumber - o.MinDate.DayNumber;
        var d = DateOnly.FromDayNumber(o.MinDate.DayNumber + rng.Next(span + 1));
        var styles = Enum.GetValues<DateStyle>();
        style = styles[rng.Next(styles.Length)];
        string text = FormatDate(d, style);
        int casing = rng.Next(10);
        if (casing < 2) text = text.ToLowerInvariant();
        else if (casing < 3) text = text.ToUpperInvariant();
        return (text, d.ToString("yyyy-MM-dd", Inv));
    }

    /// <summary>Writes <paramref name="d"/> in <paramref name="style"/> (English, invariant culture).</summary>
    public static string FormatDate(DateOnly d, DateStyle style) => style switch
    {
        DateStyle.DayMonthYear => d.ToString("d MMMM yyyy", Inv),
        DateStyle.MonthDayCommaYear => d.ToString("MMMM d, yyyy", Inv),
        DateStyle.UsShort => d.ToString("MM/dd/yy", Inv),
        DateStyle.WeekdayDayMonAbbrYear => d.ToString("dddd, d MMM yyyy", Inv),
        DateStyle.YearDotMonthDotDay => d.ToString("yyyy.MM.dd", Inv),
        DateStyle.OrdinalOfMonthYear => $"{d.Day}{OrdinalSuffix(d.Day)} of {d.ToString("MMMM yyyy", Inv)}",
        DateStyle.DayDashMonDashYear => d.ToString("dd-MMM-yyyy", Inv),
        DateStyle.MonDayYear => d.ToString("MMM d yyyy", Inv),
        DateStyle.EuropeanDots => d.ToString("d.M.yyyy", Inv),
        DateStyle.WeekdayMonDayYear => d.ToString("ddd MMM d yyyy", Inv),
        DateStyle.Compact => d.ToString("yyyyMMdd", Inv),
        _ => throw new ArgumentOutOfRangeException(nameof(style)),
    };

    private static string OrdinalSuffix(int day) => (day % 100) switch
    {
        11 or 12 or 13 => "th",
        _ => (day % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" },
    };

    private static (string, string) Arithmetic(Random rng, SyntheticOptions o)
    {
        int operands = rng.Next(2, Math.Max(2, o.MaxOperands) + 1);
        var sb = new StringBuilder();
        Expression(rng, o, operands, sb);
        string expr = sb.ToString();
        return (expr, Evaluate(expr).ToString(Inv));
    }

    private static void Expression(Random rng, SyntheticOptions o, int operands, StringBuilder sb)
    {
        const string ops = "+-*";
        for (int i = 0; i < operands; i++)
        {
            if (i > 0) sb.Append(ops[rng.Next(ops.Length)]);
            int rest = operands - i;
            if (rest >= 2 && rng.Next(6) == 0)
            {
                int inner = rng.Next(2, rest + 1);
                sb.Append('(');
                Expression(rng, o, inner, sb);
                sb.Append(')');
                i += inner - 1;
            }
            else sb.Append(rng.Next(o.MaxOperand + 1).ToString(Inv));
        }
    }

    /// <summary>Evaluates an integer expression of digits, + - * and parentheses with the usual precedence.</summary>
    public static long Evaluate(string expression)
    {
        int pos = 0;
        long v = Sum(expression, ref pos);
        if (pos != expression.Length) throw new FormatException($"unexpected '{expression[pos]}' at {pos}");
        return v;
    }

    private static long Sum(string e, ref int pos)
    {
        long v = Product(e, ref pos);
        while (pos < e.Length && (e[pos] == '+' || e[pos] == '-'))
        {
            char op = e[pos++];
            long r = Product(e, ref pos);
            v = op == '+' ? v + r : v - r;
        }
        return v;
    }

    private static long Product(string e, ref int pos)
    {
        long v = Atom(e, ref pos);
        while (pos < e.Length && e[pos] == '*') { pos++; v *= Atom(e, ref pos); }
        return v;
    }

    private static long Atom(string e, ref int pos)
    {
        if (pos < e.Length && e[pos] == '(')
        {
            pos++;
            long v = Sum(e, ref pos);
            if (pos >= e.Length || e[pos] != ')') throw new FormatException("missing ')'");
            pos++;
            return v;
        }
        int start = pos;
        while (pos < e.Length && char.IsAsciiDigit(e[pos])) pos++;
        if (pos == start) throw new FormatException($"number expected at {start}");
        return long.Parse(e.AsSpan(start, pos - start), Inv);
    }
}
