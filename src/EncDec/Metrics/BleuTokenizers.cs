using System.Text;

namespace EncDec.Metrics;

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
