namespace EncDec.Metrics;

/// <summary>
/// chrF / chrF++ exactly as sacreBLEU 2.x computes it (<c>sacrebleu.metrics.chrf.CHRF</c>): per segment, optional
/// lowercasing; character n-grams over code points with whitespace removed; for chrF++ word n-grams after splitting a
/// trailing (else leading) ASCII punctuation mark off each word. Against several references the statistics of the
/// reference with the highest sentence-level score are taken. Statistics are summed over the corpus; precision and
/// recall are averaged over the orders where both hypothesis and reference have n-grams (effective order), and the
/// F-β of those averages, ×100, is the score.
/// </summary>
public static class ChrF
{
    private const string Puncts = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>Corpus chrF of <paramref name="hyps"/> against one or more reference streams.</summary>
    /// <exception cref="ArgumentException">A stream of another length, no reference stream, or a segment with only empty references.</exception>
    public static ChrFScore Corpus(IReadOnlyList<string> hyps, IReadOnlyList<IReadOnlyList<string>> refs, ChrFOptions? options = null)
    {
        options ??= new ChrFOptions();
        if (options.CharOrder < 0 || options.WordOrder < 0 || options.CharOrder + options.WordOrder == 0)
            throw new ArgumentException("chrF needs a positive total order");
        int nrefs = MetricInput.CheckStreams(hyps, refs);
        int order = options.CharOrder + options.WordOrder;
        var corpus = new long[3 * order];
        var refCounts = new HashSet<int>();
        for (int i = 0; i < hyps.Count; i++)
        {
            var segRefs = MetricInput.SegmentReferences(refs, i);
            refCounts.Add(segRefs.Count);
            var best = SegmentStatistics(hyps[i], segRefs, options);
            for (int k = 0; k < corpus.Length; k++) corpus[k] += best[k];
        }
        string nrefsField = refCounts.Count > 1 ? "var" : (refCounts.Count == 1 ? refCounts.First().ToString() : nrefs.ToString());
        return new ChrFScore
        {
            Score = FScore(corpus, options),
            Name = $"chrF{options.Beta}" + new string('+', options.WordOrder),
            Statistics = corpus,
            Signature = Signature(options, nrefsField),
        };
    }

    /// <summary>Sentence-level chrF (sacreBLEU's <c>sentence_chrf</c>).</summary>
    public static ChrFScore Sentence(string hyp, IReadOnlyList<string> refs, ChrFOptions? options = null)
        => Corpus(new[] { hyp }, refs.Select(r => (IReadOnlyList<string>)new[] { r }).ToArray(), options);

    /// <summary>The signature sacreBLEU 2.x would print (with our version field).</summary>
    public static string Signature(ChrFOptions o, string nrefs) =>
        $"nrefs:{nrefs}|case:{(o.Lowercase ? "lc" : "mixed")}|eff:{(o.EpsSmoothing ? "no" : "yes")}" +
        $"|nc:{o.CharOrder}|nw:{o.WordOrder}|space:{(o.Whitespace ? "yes" : "no")}|version:{Bleu.SignatureVersion}";

    /// <summary>sacreBLEU's <c>_compute_f_score</c> on flattened [hyp, ref, match] statistics; 0–100.</summary>
    public static double FScore(IReadOnlyList<long> statistics, ChrFOptions? options = null)
    {
        options ??= new ChrFOptions();
        int order = options.CharOrder + options.WordOrder;
        const double eps = 1e-16;
        double factor = (double)options.Beta * options.Beta;
        double score = 0.0, avgPrec = 0.0, avgRec = 0.0;
        int effectiveOrder = 0;
        for (int i = 0; i < order; i++)
        {
            long nHyp = statistics[3 * i], nRef = statistics[3 * i + 1], nMatch = statistics[3 * i + 2];
            double prec = nHyp > 0 ? (double)nMatch / nHyp : eps;
            double rec = nRef > 0 ? (double)nMatch / nRef : eps;
            double denom = factor * prec + rec;
            score += denom > 0 ? (1 + factor) * prec * rec / denom : eps;
            if (nHyp > 0 && nRef > 0)
            {
                avgPrec += prec;
                avgRec += rec;
                effectiveOrder++;
            }
        }
        if (options.EpsSmoothing) return 100 * score / order;
        if (effectiveOrder == 0) avgPrec = avgRec = 0.0;
        else { avgPrec /= effectiveOrder; avgRec /= effectiveOrder; }
        if (avgPrec + avgRec != 0)
        {
            double f = (1 + factor) * avgPrec * avgRec;
            f /= factor * avgPrec + avgRec;
            return 100 * f;
        }
        return 0.0;
    }

    private static List<Dictionary<string, int>> AllNGrams(string sentence, ChrFOptions o)
    {
        if (o.Lowercase) sentence = PyText.Lower(sentence);
        var result = new List<Dictionary<string, int>>(o.CharOrder + o.WordOrder);
        string chars = o.Whitespace ? sentence : PyText.RemoveWhitespace(sentence);
        int[] offsets = PyText.CodePointOffsets(chars);
        int len = offsets.Length - 1;
        for (int n = 1; n <= o.CharOrder; n++)
        {
            var d = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i + n <= len; i++)
            {
                string g = chars.Substring(offsets[i], offsets[i + n] - offsets[i]);
                d[g] = d.GetValueOrDefault(g) + 1;
            }
            result.Add(d);
        }
        if (o.WordOrder > 0)
        {
            var words = SplitPunctuation(sentence);
            for (int n = 1; n <= o.WordOrder; n++)
            {
                var d = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i + n <= words.Count; i++)
                {
                    string g = TokenLists.JoinRange(words, i, n);
                    d[g] = d.GetValueOrDefault(g) + 1;
                }
                result.Add(d);
            }
        }
        return result;
    }

    /// <summary>sacreBLEU's <c>_remove_punctuation</c>: split on whitespace; a word longer than one code point loses a
    /// trailing punctuation mark to a token of its own, or else a leading one (so "(hi)" → "(hi", ")").</summary>
    internal static List<string> SplitPunctuation(string sentence)
    {
        var tokens = new List<string>();
        foreach (string w in PyText.Split(sentence))
        {
            if (PyText.CodePointCount(w) == 1) { tokens.Add(w); continue; }
            if (Puncts.Contains(w[^1])) { tokens.Add(w[..^1]); tokens.Add(w[^1..]); }
            else if (Puncts.Contains(w[0])) { tokens.Add(w[..1]); tokens.Add(w[1..]); }
            else tokens.Add(w);
        }
        return tokens;
    }

    private static long[] SegmentStatistics(string hyp, List<string> refs, ChrFOptions o)
    {
        var hypGrams = AllNGrams(hyp, o);
        long[] best = Array.Empty<long>();
        double bestF = -1.0;
        foreach (string r in refs)
        {
            var refGrams = AllNGrams(r, o);
            var stats = new long[3 * hypGrams.Count];
            for (int k = 0; k < hypGrams.Count; k++)
            {
                long match = 0, hypCount = 0, refCount = 0;
                foreach (var (g, c) in hypGrams[k])
                {
                    hypCount += c;
                    if (refGrams[k].TryGetValue(g, out int rc)) match += Math.Min(c, rc);
                }
                foreach (int c in refGrams[k].Values) refCount += c;
                // sacreBLEU: hypothesis n-grams do not count when the reference has none of that order.
                stats[3 * k] = refGrams[k].Count > 0 ? hypCount : 0;
                stats[3 * k + 1] = refCount;
                stats[3 * k + 2] = match;
            }
            double f = FScore(stats, o);
            if (f > bestF) { bestF = f; best = stats; }
        }
        return best;
    }
}
