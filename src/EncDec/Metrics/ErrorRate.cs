using System.Text;
using System.Text.RegularExpressions;

namespace EncDec.Metrics;

/// <summary>
/// WER and CER exactly as <c>jiwer</c> 3.x defines them with its default transforms. WER: runs of two or more
/// whitespace characters become one space, the line is stripped and split on spaces (empty words dropped). CER: the
/// line is stripped and every code point (spaces inside included) is a unit. Each hypothesis is aligned with its
/// reference by Levenshtein distance (unit costs); counts are summed over segments before dividing.
/// </summary>
public static partial class ErrorRate
{
    public static ErrorRateScore Wer(IReadOnlyList<string> hyps, IReadOnlyList<string> refs) => Corpus(hyps, refs, Words);

    public static ErrorRateScore Cer(IReadOnlyList<string> hyps, IReadOnlyList<string> refs) => Corpus(hyps, refs, Chars);

    /// <exception cref="EmptyReferenceException">A reference with no unit (jiwer rejects empty references).</exception>
    private static ErrorRateScore Corpus(IReadOnlyList<string> hyps, IReadOnlyList<string> refs, Func<string, string[]> units)
    {
        if (hyps.Count != refs.Count) throw new ArgumentException($"{hyps.Count} hypotheses but {refs.Count} references");
        int s = 0, d = 0, ins = 0, h = 0;
        for (int i = 0; i < hyps.Count; i++)
        {
            var r = units(refs[i]);
            if (r.Length == 0) throw new EmptyReferenceException(i);
            var (ss, dd, ii, hh) = Align(units(hyps[i]), r);
            s += ss; d += dd; ins += ii; h += hh;
        }
        int n = s + d + h;
        return new ErrorRateScore(n == 0 ? 0 : (double)(s + d + ins) / n, s, d, ins, h);
    }

    [GeneratedRegex(@"\s\s+")]
    private static partial Regex MultipleSpaces();

    /// <summary>jiwer's <c>wer_default</c>: RemoveMultipleSpaces, Strip, ReduceToListOfListOfWords.</summary>
    internal static string[] Words(string line)
        => MultipleSpaces().Replace(line, " ").Trim().Split(' ').Where(w => w.Length >= 1).ToArray();

    /// <summary>jiwer's <c>cer_default</c>: Strip, ReduceToListOfListOfChars (code points, as Python's list(str)).</summary>
    internal static string[] Chars(string line)
        => line.Trim().EnumerateRunes().Select(r => r.ToString()).ToArray();

    /// <summary>
    /// A minimum-edit alignment of <paramref name="hyp"/> to <paramref name="reference"/>: (substitutions, deletions,
    /// insertions, hits). Among alignments of minimum cost, the one with the most hits is kept, then the fewest substitutions.
    /// </summary>
    internal static (int S, int D, int I, int H) Align(string[] hyp, string[] reference)
    {
        int n = reference.Length, m = hyp.Length;
        // cost[i, j]: edits to turn reference[..i] into hyp[..j]; hits tie-broken towards more matches
        var cost = new int[n + 1, m + 1];
        var hits = new int[n + 1, m + 1];
        for (int i = 0; i <= n; i++) cost[i, 0] = i;
        for (int j = 0; j <= m; j++) cost[0, j] = j;
        for (int i = 1; i <= n; i++)
            for (int j = 1; j <= m; j++)
            {
                bool eq = string.Equals(reference[i - 1], hyp[j - 1], StringComparison.Ordinal);
                int bestC = cost[i - 1, j - 1] + (eq ? 0 : 1), bestH = hits[i - 1, j - 1] + (eq ? 1 : 0);
                void Try(int c, int hh) { if (c < bestC || (c == bestC && hh > bestH)) { bestC = c; bestH = hh; } }
                Try(cost[i - 1, j] + 1, hits[i - 1, j]);                     // deletion
                Try(cost[i, j - 1] + 1, hits[i, j - 1]);                     // insertion
                cost[i, j] = bestC; hits[i, j] = bestH;
            }
        int total = cost[n, m], h = hits[n, m];
        // with E = S + D + I edits and H hits: S + D + H = n, S + I + H = m → D − I = n − m
        // S = n − H − D, E = S + D + I = n − H + I  →  I = E − n + H, D = I + n − m
        int ins = total - n + h, del = ins + n - m, sub = n - h - del;
        return (sub, del, ins, h);
    }

    /// <summary><c>WER = 12.50 (S 3, D 1, I 0, H 28; 32 reference words)</c>.</summary>
    public static string Format(string name, ErrorRateScore s, string unit)
        => new StringBuilder().Append(name).Append(" = ").Append(PyText.FormatFixed(100 * s.Rate, 2))
            .Append($" (S {s.Substitutions}, D {s.Deletions}, I {s.Insertions}, H {s.Hits}; {s.ReferenceLength} reference {unit})").ToString();
}
