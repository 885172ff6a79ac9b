using System.Globalization;
using System.Numerics;
using System.Text;

namespace EncDec.Metrics;

/// <summary>
/// The few Python 3 <c>str</c> behaviours that sacreBLEU and rouge-score rely on, reproduced exactly:
/// <c>str.isspace</c>, <c>str.split()</c>, <c>str.strip()</c>/<c>rstrip()</c>, <c>str.lower()</c>,
/// code-point (not UTF-16) indexing, and <c>f"{x:.Nf}"</c> formatting (round-half-even on the exact binary value).
/// </summary>
internal static class PyText
{
    /// <summary>Python's <c>str.isspace()</c> for one UTF-16 unit. Every Python whitespace code point is in the BMP.
    /// Differs from <see cref="char.IsWhiteSpace(char)"/> in U+001C..U+001F (Python: whitespace; .NET: not).</summary>
    public static bool IsSpace(char c) => c switch
    {
        >= '\u0009' and <= '\u000D' => true,
        >= '\u001C' and <= '\u0020' => true,
        '\u0085' or '\u00A0' or '\u1680' => true,
        >= '\u2000' and <= '\u200A' => true,
        '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        _ => false,
    };

    /// <summary>Python's <c>s.split()</c> with no argument: runs of whitespace separate, no empty items.</summary>
    public static List<string> Split(string s)
    {
        var parts = new List<string>();
        int i = 0, n = s.Length;
        while (i < n)
        {
            while (i < n && IsSpace(s[i])) i++;
            if (i >= n) break;
            int start = i;
            while (i < n && !IsSpace(s[i])) i++;
            parts.Add(s.Substring(start, i - start));
        }
        return parts;
    }

    /// <summary>Python's <c>s.rstrip()</c>.</summary>
    public static string RStrip(string s)
    {
        int end = s.Length;
        while (end > 0 && IsSpace(s[end - 1])) end--;
        return end == s.Length ? s : s.Substring(0, end);
    }

    /// <summary>Python's <c>s.strip()</c>.</summary>
    public static string Strip(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && IsSpace(s[start])) start++;
        while (end > start && IsSpace(s[end - 1])) end--;
        return s.Substring(start, end - start);
    }

    /// <summary><c>"".join(s.split())</c>: every whitespace character removed.</summary>
    public static string RemoveWhitespace(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s) if (!IsSpace(c)) sb.Append(c);
        return sb.ToString();
    }

    /// <summary>Number of code points (Python's <c>len</c>).</summary>
    public static int CodePointCount(string s)
    {
        int count = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            count++;
        }
        return count;
    }

    /// <summary>UTF-16 offsets of each code point, plus a final entry equal to <c>s.Length</c>,
    /// so code points <c>[i, i+n)</c> are <c>s[offsets[i]..offsets[i+n]]</c>.</summary>
    public static int[] CodePointOffsets(string s)
    {
        var offsets = new List<int>(s.Length + 1);
        for (int i = 0; i < s.Length; i++)
        {
            offsets.Add(i);
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
        }
        offsets.Add(s.Length);
        return offsets.ToArray();
    }

    /// <summary>
    /// Python's <c>str.lower()</c>: the Unicode lowercase mapping per code point, plus the two places where
    /// Python's full mapping differs from a simple one: U+0130 (İ) becomes "i̇" (two code points), and a capital
    /// sigma in word-final position becomes ς (Final_Sigma). Case properties come from .NET's Unicode tables,
    /// so results follow the Unicode version of the runtime, as Python's follow its own.
    /// </summary>
    public static string Lower(string s)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < s.Length;)
        {
            Rune.DecodeFromUtf16(s.AsSpan(i), out Rune r, out int used);
            string? repl = null;
            if (r.Value == 0x0130) repl = "i\u0307";
            else if (r.Value == 0x03A3) repl = IsFinalSigma(s, i) ? "\u03C2" : "\u03C3";
            else
            {
                Rune lower = Rune.ToLowerInvariant(r);
                if (lower != r) repl = lower.ToString();
            }
            if (repl is not null)
            {
                sb ??= new StringBuilder(s, 0, i, s.Length + 8);
                sb.Append(repl);
            }
            else sb?.Append(s, i, used);
            i += used;
        }
        return sb?.ToString() ?? s;
    }

    // Final_Sigma (Unicode SpecialCasing, as CPython applies it): preceded by a cased letter and not followed by one,
    // skipping case-ignorable characters in both directions.
    private static bool IsFinalSigma(string s, int sigmaIndex)
    {
        int j = sigmaIndex;
        bool casedBefore = false;
        while (j > 0)
        {
            Rune.DecodeLastFromUtf16(s.AsSpan(0, j), out Rune r, out int used);
            j -= used;
            if (IsCaseIgnorable(r)) continue;
            casedBefore = IsCased(r);
            break;
        }
        if (!casedBefore) return false;
        j = sigmaIndex + 1;
        while (j < s.Length)
        {
            Rune.DecodeFromUtf16(s.AsSpan(j), out Rune r, out int used);
            j += used;
            if (IsCaseIgnorable(r)) continue;
            return !IsCased(r);
        }
        return true;
    }

    private static bool IsCased(Rune r)
    {
        var cat = Rune.GetUnicodeCategory(r);
        return cat is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            || Rune.ToLowerInvariant(r) != r || Rune.ToUpperInvariant(r) != r;
    }

    private static bool IsCaseIgnorable(Rune r)
    {
        var cat = Rune.GetUnicodeCategory(r);
        if (cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol) return true;
        // Word_Break MidLetter / MidNumLet / Single_Quote.
        return r.Value is 0x27 or 0x2E or 0x3A or 0xB7 or 0x387 or 0x55F or 0x5F4 or 0x2018 or 0x2019 or 0x2024
            or 0x2027 or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A;
    }

    /// <summary>
    /// Python's <c>f"{value:.{digits}f}"</c>: the exact binary value rounded half-to-even to <paramref name="digits"/>
    /// decimals (e.g. 6.25 → "6.2" at one decimal, where .NET's "F1" gives "6.3").
    /// </summary>
    public static string FormatFixed(double value, int digits)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        bool negative = value < 0 || (value == 0 && double.IsNegative(value));
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(value));
        int exp = (int)((bits >> 52) & 0x7FF);
        long frac = bits & 0xFFFFFFFFFFFFFL;
        BigInteger mantissa = exp == 0 ? frac : frac | (1L << 52);
        int e2 = (exp == 0 ? 1 : exp) - 1075; // value = mantissa * 2^e2
        BigInteger scaled; // round(value * 10^digits)
        BigInteger pow10 = BigInteger.Pow(10, digits);
        if (e2 >= 0) scaled = mantissa * BigInteger.Pow(2, e2) * pow10;
        else
        {
            BigInteger num = mantissa * pow10;
            BigInteger den = BigInteger.Pow(2, -e2);
            BigInteger q = BigInteger.DivRem(num, den, out BigInteger rem);
            int cmp = (rem * 2).CompareTo(den);
            if (cmp > 0 || (cmp == 0 && !q.IsEven)) q += 1;
            scaled = q;
        }
        string digitsStr = scaled.ToString(CultureInfo.InvariantCulture).PadLeft(digits + 1, '0');
        string result = digits == 0
            ? digitsStr
            : digitsStr[..^digits] + "." + digitsStr[^digits..];
        return negative ? "-" + result : result;
    }
}

internal static class TokenLists
{
    /// <summary><c>" ".join(tokens[start:start+count])</c>.</summary>
    public static string JoinRange(List<string> tokens, int start, int count)
    {
        if (count == 1) return tokens[start];
        var sb = new StringBuilder();
        for (int k = 0; k < count; k++)
        {
            if (k > 0) sb.Append(' ');
            sb.Append(tokens[start + k]);
        }
        return sb.ToString();
    }
}
