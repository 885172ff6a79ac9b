using System.Text.RegularExpressions;

namespace EncDec.Metrics;

/// <summary>
/// sacreBLEU's <c>13a</c> tokenizer, which reproduces mteval-v13a.pl (the WMT standard). Steps, in order:
/// <list type="number">
/// <item>remove <c>&lt;skipped&gt;</c>; join <c>-\n</c> hyphenation; other <c>\n</c> become spaces;</item>
/// <item>unescape <c>&amp;quot;</c>, <c>&amp;amp;</c>, <c>&amp;lt;</c>, <c>&amp;gt;</c>, one after another (so <c>&amp;amp;lt;</c> ends as <c>&lt;</c>);</item>
/// <item>pad with a space each side, then apply, each over the whole line, left to right without overlaps:
/// <c>([\{-\~\[-\` -\&amp;\(-\+\:-\@\/])</c> → <c> $1 </c>; <c>([^0-9])([\.,])</c> → <c>$1 $2 </c>;
/// <c>([\.,])([^0-9])</c> → <c> $1 $2</c>; <c>([0-9])(-)</c> → <c>$1 $2 </c>;</item>
/// <item>split on (Python) whitespace and join with single spaces.</item>
/// </list>
/// So "3.14" and "1,000" stay whole, "end." splits, "1990-2000" becomes "1990 - 2000" but "well-known" stays whole.
/// </summary>
public static partial class Tokenizer13a
{
    // Punctuation/symbol class: { | } ~  [ \ ] ^ _ `  space ! " # $ % &  ( ) * +  : ; < = > ? @  /
    [GeneratedRegex(@"([{-~\[-` -&(-+:-@/])", RegexOptions.CultureInvariant)]
    private static partial Regex Symbols();

    [GeneratedRegex(@"([^0-9])([.,])", RegexOptions.CultureInvariant)]
    private static partial Regex PeriodCommaAfterNonDigit();

    [GeneratedRegex(@"([.,])([^0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex PeriodCommaBeforeNonDigit();

    [GeneratedRegex(@"([0-9])(-)", RegexOptions.CultureInvariant)]
    private static partial Regex DashAfterDigit();

    /// <summary>Tokenizes one line exactly as sacreBLEU 2.x <c>Tokenizer13a</c> does.</summary>
    public static string Tokenize(string line)
    {
        line = line.Replace("<skipped>", "", StringComparison.Ordinal)
                   .Replace("-\n", "", StringComparison.Ordinal)
                   .Replace("\n", " ", StringComparison.Ordinal)
                   .Replace("&quot;", "\"", StringComparison.Ordinal)
                   .Replace("&amp;", "&", StringComparison.Ordinal)
                   .Replace("&lt;", "<", StringComparison.Ordinal)
                   .Replace("&gt;", ">", StringComparison.Ordinal);
        line = " " + line + " ";
        line = Symbols().Replace(line, " $1 ");
        line = PeriodCommaAfterNonDigit().Replace(line, "$1 $2 ");
        line = PeriodCommaBeforeNonDigit().Replace(line, " $1 $2");
        line = DashAfterDigit().Replace(line, "$1 $2 ");
        return string.Join(' ', PyText.Split(line));
    }
}
