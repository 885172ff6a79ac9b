using System.Text;
using System.Text.RegularExpressions;

namespace EncDec.Metrics;

/// <summary>Which tokenizer BLEU applies before counting word n-grams (sacreBLEU's <c>--tokenize</c>).</summary>
public enum BleuTokenize
{
    /// <summary>sacreBLEU's default <c>13a</c>: mteval-v13a.pl's tokenization (see <see cref="Tokenizer13a"/>).</summary>
    V13a,
    /// <summary>sacreBLEU's <c>none</c>: the text is used as is and split on whitespace.</summary>
    None,
    /// <summary>sacreBLEU's <c>char</c>: every character (code point) is a token; whitespace is dropped.</summary>
    Char,
}

/// <summary>Names and application of <see cref="BleuTokenize"/> values.</summary>
public static class BleuTokenizers
{
    /// <summary>Parses sacreBLEU's tokenizer names <c>13a</c>, <c>none</c>, <c>char</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static BleuTokenize Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "13a" => BleuTokenize.V13a,
        "none" => BleuTokenize.None,
        "char" => BleuTokenize.Char,
        _ => throw new ArgumentException($"unknown BLEU tokenizer '{name}' (expected 13a, none or char)", nameof(name)),
    };

    /// <summary>The name sacreBLEU uses in signatures and on its command line: <c>13a</c>, <c>none</c>, <c>char</c>.</summary>
    public static string Name(this BleuTokenize tokenize) => tokenize switch
    {
        BleuTokenize.V13a => "13a",
        BleuTokenize.None => "none",
        BleuTokenize.Char => "char",
        _ => throw new ArgumentOutOfRangeException(nameof(tokenize)),
    };

    /// <summary>Tokenizes one line; the result's tokens are separated by whitespace.</summary>
    public static string Apply(BleuTokenize tokenize, string line) => tokenize switch
    {
        BleuTokenize.V13a => Tokenizer13a.Tokenize(line),
        BleuTokenize.None => line,
        BleuTokenize.Char => TokenizeChars(line),
        _ => throw new ArgumentOutOfRangeException(nameof(tokenize)),
    };

    /// <summary>sacreBLEU's <c>char</c> tokenizer: <c>" ".join(line)</c>, i.e. a space between every two code points.
    /// The spaces already in the line become runs of whitespace that n-gram extraction skips.</summary>
    public static string TokenizeChars(string line)
    {
        var sb = new StringBuilder(line.Length * 2);
        for (int i = 0; i < line.Length; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(line[i]);
            if (char.IsHighSurrogate(line[i]) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1])) sb.Append(line[++i]);
        }
        return sb.ToString();
    }
}

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
