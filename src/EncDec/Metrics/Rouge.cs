namespace EncDec.Metrics;

/// <summary>
/// ROUGE-1/2/L as Google's <c>rouge-score</c> package computes them with its defaults (no stemming): text is lowercased,
/// every run of characters other than <c>a-z0-9</c> becomes a separator (so non-ASCII letters are dropped, as there),
/// n-gram overlap is clipped by counts, ROUGE-L uses the longest common subsequence (summary-level ROUGE-Lsum is not
/// provided). With several references the one with the best F1 is taken per variant (<c>score_multi</c>); the corpus
/// value is the plain mean of the sentence precisions, recalls and F1s.
/// </summary>
public static class Rouge
{
    /// <summary>rouge-score's default tokenizer: lowercase, non-<c>[a-z0-9]</c> runs → space, split.</summary>
    public static List<string> Tokenize(string text)
    {
        string lower = PyText.Lower(text);
        var tokens = new List<string>();
        int i = 0;
        while (i < lower.Length)
        {
            while (i < lower.Length && !IsTokenChar(lower[i])) i++;
            int start = i;
            while (i < lower.Length && IsTokenChar(lower[i])) i++;
            if (i > start) tokens.Add(lower.Substring(start, i - start));
        }
        return tokens;
    }

    private static bool IsTokenChar(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9';

    /// <summary>Sentence-level ROUGE against one or more references (best F1 per variant).</summary>
    public static RougeScore Sentence(string hyp, IReadOnlyList<string> refs)
    {
        if (refs.Count == 0) throw new ArgumentException("at least one reference is required", nameof(refs));
        var h = Tokenize(hyp);
        RougeValue? best1 = null, best2 = null, bestL = null;
        foreach (string r in refs)
        {
            var t = Tokenize(r);
            var r1 = NGramScore(t, h, 1);
            var r2 = NGramScore(t, h, 2);
            var rl = LcsScore(t, h);
            if (best1 is null || r1.F1 > best1.Value.F1) best1 = r1;
            if (best2 is null || r2.F1 > best2.Value.F1) best2 = r2;
            if (bestL is null || rl.F1 > bestL.Value.F1) bestL = rl;
        }
        return new RougeScore(best1!.Value, best2!.Value, bestL!.Value);
    }

    /// <summary>Mean of sentence-level ROUGE over the corpus; all zeros for an empty corpus.</summary>
    public static RougeScore Corpus(IReadOnlyList<string> hyps, IReadOnlyList<IReadOnlyList<string>> refs)
    {
        MetricInput.CheckStreams(hyps, refs);
        double[] sum = new double[9];
        for (int i = 0; i < hyps.Count; i++)
        {
            var s = Sentence(hyps[i], refs.Select(st => st[i]).ToArray());
            RougeValue[] v = { s.Rouge1, s.Rouge2, s.RougeL };
            for (int k = 0; k < 3; k++) { sum[3 * k] += v[k].Precision; sum[3 * k + 1] += v[k].Recall; sum[3 * k + 2] += v[k].F1; }
        }
        int n = Math.Max(hyps.Count, 1);
        RougeValue At(int k) => new(sum[3 * k] / n, sum[3 * k + 1] / n, sum[3 * k + 2] / n);
        return new RougeScore(At(0), At(1), At(2));
    }

    private static double F1(double p, double r) => p + r > 0 ? 2 * p * r / (p + r) : 0.0;

    private static RougeValue NGramScore(List<string> target, List<string> prediction, int n)
    {
        var tg = Count(target, n);
        var pg = Count(prediction, n);
        long hits = 0, tTotal = 0, pTotal = 0;
        foreach (var (g, c) in tg) { tTotal += c; hits += Math.Min(c, pg.GetValueOrDefault(g)); }
        foreach (int c in pg.Values) pTotal += c;
        double p = (double)hits / Math.Max(pTotal, 1);
        double r = (double)hits / Math.Max(tTotal, 1);
        return new RougeValue(p, r, F1(p, r));
    }

    private static Dictionary<string, int> Count(List<string> tokens, int n)
    {
        var d = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i + n <= tokens.Count; i++)
        {
            string g = TokenLists.JoinRange(tokens, i, n);
            d[g] = d.GetValueOrDefault(g) + 1;
        }
        return d;
    }

    /// <summary>Length of the longest common subsequence of two token lists.</summary>
    public static int LcsLength(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var prev = new int[b.Count + 1];
        var cur = new int[b.Count + 1];
        for (int i = 1; i <= a.Count; i++)
        {
            for (int j = 1; j <= b.Count; j++)
                cur[j] = string.Equals(a[i - 1], b[j - 1], StringComparison.Ordinal) ? prev[j - 1] + 1 : Math.Max(prev[j], cur[j - 1]);
            (prev, cur) = (cur, prev);
        }
        return prev[b.Count];
    }

    private static RougeValue LcsScore(List<string> target, List<string> prediction)
    {
        if (target.Count == 0 || prediction.Count == 0) return new RougeValue(0, 0, 0);
        int lcs = LcsLength(target, prediction);
        double p = (double)lcs / prediction.Count;
        double r = (double)lcs / target.Count;
        return new RougeValue(p, r, F1(p, r));
    }
}
