namespace EncDec.Metrics;

/// <summary>
/// BLEU exactly as sacreBLEU 2.x computes it (<c>sacrebleu.metrics.bleu.BLEU</c>): per segment, optional lowercasing,
/// <c>rstrip</c>, tokenization, n-grams 1..MaxOrder; hypothesis n-gram counts are clipped to the maximum count over that
/// segment's references; the reference length is the closest one (ties to the shorter); all counts are summed over the
/// corpus before precisions, smoothing and the brevity penalty are applied.
/// </summary>
/// <remarks>
/// Empty reference lines are dropped per segment as sacreBLEU does (the signature then says <c>nrefs:var</c> if the number
/// of references varies); a segment whose references are all empty is an error, as in sacreBLEU.
/// The signature follows sacreBLEU 2.x field order but ends in <c>version:encdec</c> instead of a sacreBLEU version,
/// so a reader can tell these numbers were produced by this reimplementation.
/// One deliberate difference: with add-k smoothing sacreBLEU also adds k into the counts/totals it reports; here
/// <see cref="BleuScore.Counts"/> and <see cref="BleuScore.Totals"/> stay the raw counts (the precisions are smoothed).
/// </remarks>
public static class Bleu
{
    /// <summary>The trailing signature field's value used by every metric here.</summary>
    public const string SignatureVersion = "encdec";

    /// <summary>Corpus BLEU of <paramref name="hyps"/> against one or more reference streams, each as long as <paramref name="hyps"/>.</summary>
    /// <exception cref="ArgumentException">A stream of another length, no reference stream, or a segment with only empty references.</exception>
    public static BleuScore Corpus(IReadOnlyList<string> hyps, IReadOnlyList<IReadOnlyList<string>> refs, BleuOptions? options = null)
    {
        options ??= new BleuOptions();
        Validate(options);
        int nrefs = MetricInput.CheckStreams(hyps, refs);
        var stats = new long[2 + 2 * options.MaxOrder];
        var refCounts = new HashSet<int>();
        for (int i = 0; i < hyps.Count; i++)
        {
            var segRefs = MetricInput.SegmentReferences(refs, i);
            refCounts.Add(segRefs.Count);
            AddSegmentStatistics(hyps[i], segRefs, options, stats);
        }
        string nrefsField = refCounts.Count > 1 ? "var" : (refCounts.Count == 1 ? refCounts.First().ToString() : nrefs.ToString());
        return FromStatistics(stats, options, nrefsField);
    }

    /// <summary>Sentence BLEU, like sacreBLEU's <c>sentence_bleu</c>: by default exp smoothing with effective order.</summary>
    public static BleuScore Sentence(string hyp, IReadOnlyList<string> refs, BleuOptions? options = null)
    {
        options ??= BleuOptions.SentenceDefaults;
        var streams = refs.Select(r => (IReadOnlyList<string>)new[] { r }).ToArray();
        return Corpus(new[] { hyp }, streams, options);
    }

    /// <summary>
    /// BLEU from already summed statistics (sacreBLEU's <c>compute_bleu</c>): <paramref name="correct"/> and
    /// <paramref name="total"/> per order, total hypothesis and reference lengths.
    /// </summary>
    public static BleuScore FromStatistics(IReadOnlyList<long> correct, IReadOnlyList<long> total, long sysLen, long refLen,
        BleuOptions? options = null, string nrefs = "1")
    {
        options ??= new BleuOptions();
        Validate(options);
        if (correct.Count != options.MaxOrder || total.Count != options.MaxOrder)
            throw new ArgumentException($"expected {options.MaxOrder} counts and totals");
        var stats = new long[2 + 2 * options.MaxOrder];
        stats[0] = sysLen; stats[1] = refLen;
        for (int n = 0; n < options.MaxOrder; n++) { stats[2 + n] = correct[n]; stats[2 + options.MaxOrder + n] = total[n]; }
        return FromStatistics(stats, options, nrefs);
    }

    /// <summary>The signature string sacreBLEU 2.x would print for these options (with our version field).</summary>
    public static string Signature(BleuOptions options, string nrefs)
    {
        string smooth = options.Smooth switch
        {
            BleuSmooth.Exp => "exp",
            BleuSmooth.None => "none",
            BleuSmooth.Floor => "floor[" + PyText.FormatFixed(SmoothValue(options), 2) + "]",
            BleuSmooth.AddK => "add-k[" + PyText.FormatFixed(SmoothValue(options), 2) + "]",
            _ => throw new ArgumentOutOfRangeException(nameof(options)),
        };
        return $"nrefs:{nrefs}|case:{(options.Lowercase ? "lc" : "mixed")}|eff:{(options.EffectiveOrder ? "yes" : "no")}" +
               $"|tok:{options.Tokenize.Name()}|smooth:{smooth}|version:{SignatureVersion}";
    }

    private static double SmoothValue(BleuOptions o) => o.SmoothValue ?? (o.Smooth == BleuSmooth.Floor ? 0.1 : 1.0);

    private static void Validate(BleuOptions o)
    {
        if (o.MaxOrder < 1) throw new ArgumentException("MaxOrder must be at least 1");
    }

    /// <summary>sacreBLEU's <c>_preprocess_segment</c>: lowercase (optional), rstrip, tokenize; then split into tokens.</summary>
    internal static List<string> Preprocess(string sentence, BleuOptions o)
    {
        if (o.Lowercase) sentence = PyText.Lower(sentence);
        return PyText.Split(BleuTokenizers.Apply(o.Tokenize, PyText.RStrip(sentence)));
    }

    private static Dictionary<string, int> NGrams(List<string> tokens, int maxOrder)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int n = 1; n <= maxOrder; n++)
            for (int i = 0; i + n <= tokens.Count; i++)
            {
                // Tokens never contain whitespace, so joining with a space is unambiguous (as in sacreBLEU).
                string key = TokenLists.JoinRange(tokens, i, n);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        return counts;
    }

    private static void AddSegmentStatistics(string hyp, List<string> refs, BleuOptions o, long[] stats)
    {
        int maxOrder = o.MaxOrder;
        Dictionary<string, int>? refNgrams = null;
        var refLens = new List<int>(refs.Count);
        foreach (string r in refs)
        {
            var tokens = Preprocess(r, o);
            refLens.Add(tokens.Count);
            var grams = NGrams(tokens, maxOrder);
            if (refNgrams is null) refNgrams = grams;
            else
                foreach (var (g, c) in grams)
                    if (c > refNgrams.GetValueOrDefault(g)) refNgrams[g] = c;
        }

        var hypTokens = Preprocess(hyp, o);
        int hypLen = hypTokens.Count;
        int closestDiff = -1, closestLen = -1;
        foreach (int rl in refLens)
        {
            int diff = Math.Abs(hypLen - rl);
            if (closestDiff == -1 || diff < closestDiff) { closestDiff = diff; closestLen = rl; }
            else if (diff == closestDiff && rl < closestLen) closestLen = rl;
        }

        stats[0] += hypLen;
        stats[1] += closestLen;
        foreach (var (g, c) in NGrams(hypTokens, maxOrder))
        {
            int order = 1;
            foreach (char ch in g) if (ch == ' ') order++;
            stats[2 + maxOrder + order - 1] += c;
            if (refNgrams!.TryGetValue(g, out int rc)) stats[2 + order - 1] += Math.Min(c, rc);
        }
    }

    private static BleuScore FromStatistics(long[] stats, BleuOptions o, string nrefs)
    {
        int maxOrder = o.MaxOrder;
        long sysLen = stats[0], refLen = stats[1];
        var counts = new long[maxOrder];
        var totals = new long[maxOrder];
        Array.Copy(stats, 2, counts, 0, maxOrder);
        Array.Copy(stats, 2 + maxOrder, totals, 0, maxOrder);
        string signature = Signature(o, nrefs);

        double bp = sysLen < refLen ? (sysLen > 0 ? Math.Exp(1.0 - (double)refLen / sysLen) : 0.0) : 1.0;
        var precisions = new double[maxOrder];

        if (counts.All(c => c == 0))
            return new BleuScore { Score = 0.0, Counts = counts, Totals = totals, Precisions = precisions, Bp = bp, SysLen = sysLen, RefLen = refLen, Signature = signature };

        double smoothValue = SmoothValue(o);
        double smoothMteval = 1.0;
        int effOrder = maxOrder;
        for (int n = 1; n <= maxOrder; n++)
        {
            double correct = counts[n - 1], total = totals[n - 1];
            if (o.Smooth == BleuSmooth.AddK && n > 1) { correct += smoothValue; total += smoothValue; }
            if (total == 0) break;
            if (o.EffectiveOrder) effOrder = n;
            if (correct == 0)
            {
                if (o.Smooth == BleuSmooth.Exp)
                {
                    smoothMteval *= 2;
                    precisions[n - 1] = 100.0 / (smoothMteval * total);
                }
                else if (o.Smooth == BleuSmooth.Floor)
                    precisions[n - 1] = 100.0 * smoothValue / total;
            }
            else precisions[n - 1] = 100.0 * correct / total;
        }

        // sacreBLEU's my_log: log(0) is taken as -9999999999, which drives the score to 0.
        double sumLog = 0.0;
        for (int n = 0; n < effOrder; n++) sumLog += precisions[n] == 0.0 ? -9999999999.0 : Math.Log(precisions[n]);
        double score = bp * Math.Exp(sumLog / effOrder);
        return new BleuScore { Score = score, Counts = counts, Totals = totals, Precisions = precisions, Bp = bp, SysLen = sysLen, RefLen = refLen, Signature = signature };
    }
}
