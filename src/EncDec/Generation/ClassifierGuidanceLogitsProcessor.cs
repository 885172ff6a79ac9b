using EncDec.Models;

namespace EncDec.Generation;

/// <summary>
/// FUDGE-style classifier guidance (Yang &amp; Klein, 2021) as a logits processor, so greedy, sampling and beam search
/// all use it: at each step the <see cref="TopK"/> most likely next tokens of the base model are kept, each extended
/// prefix x_≤t is scored by an attribute classifier, and candidate c gets logit_c + λ · log p(attribute | x_&lt;t, c); every
/// other token is masked (−∞). As the log-softmax follows, the processed distribution is
/// p(c | x_&lt;t) · p(a | x_≤t)^λ renormalised over the top k. EOS, when among the candidates, is scored by the prefix
/// itself (the finished output). With λ = 0 only the top-k restriction remains.
/// </summary>
public sealed class ClassifierGuidanceLogitsProcessor : ILogitsProcessor
{
    private readonly SequenceClassifier _classifier;
    private readonly Func<int[], int[]> _toClassifierTokens;

    public int Label { get; }
    public float Weight { get; }
    public int TopK { get; }
    public int EosId { get; }

    /// <param name="classifier">The attribute classifier (kept in eval mode).</param>
    /// <param name="label">The class id to steer towards.</param>
    /// <param name="weight">λ ≥ 0.</param>
    /// <param name="topK">Candidates re-weighted per step (≥ 1).</param>
    /// <param name="eosId">The generator's EOS id.</param>
    /// <param name="toClassifierTokens">
    /// Generator output ids → classifier input ids (null = the same ids: one tokenizer for both); e.g. detokenise with the
    /// generator's target tokenizer and encode with the classifier's.
    /// </param>
    public ClassifierGuidanceLogitsProcessor(SequenceClassifier classifier, int label, float weight, int topK, int eosId,
                                             Func<int[], int[]>? toClassifierTokens = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        if ((uint)label >= (uint)classifier.NumClasses) throw new ArgumentOutOfRangeException(nameof(label), $"class {label} outside the classifier's {classifier.NumClasses}");
        if (!(weight >= 0) || !float.IsFinite(weight)) throw new ArgumentOutOfRangeException(nameof(weight), "λ must be a finite number ≥ 0");
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        _classifier = classifier; Label = label; Weight = weight; TopK = topK; EosId = eosId;
        _toClassifierTokens = toClassifierTokens ?? (ids => ids);
        classifier.Model.Eval();
    }

    public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
    {
        var candidates = TopIndices(logits, TopK);
        if (candidates.Length == 0) return;
        var prefixes = new List<int[]>(candidates.Length);
        var prefix = generatedSoFar.ToArray();
        foreach (int c in candidates)
        {
            var extended = c == EosId ? prefix : [.. prefix, c];
            prefixes.Add(_toClassifierTokens(extended));
        }
        var logProbs = _classifier.LogProbs(prefixes);                     // (K × C)
        var kept = new float[candidates.Length];
        for (int i = 0; i < candidates.Length; i++) kept[i] = logits[candidates[i]] + Weight * logProbs[i * _classifier.NumClasses + Label];
        logits.Fill(float.NegativeInfinity);
        for (int i = 0; i < candidates.Length; i++) logits[candidates[i]] = kept[i];
    }

    /// <summary>The indices of the k largest finite scores, largest first (ties: lower index first).</summary>
    internal static int[] TopIndices(ReadOnlySpan<float> scores, int k)
    {
        var best = new List<int>(k + 1);
        for (int i = 0; i < scores.Length; i++)
        {
            float v = scores[i];
            if (float.IsNegativeInfinity(v) || float.IsNaN(v)) continue;
            if (best.Count == k && v <= scores[best[^1]]) continue;
            int at = best.Count;
            while (at > 0 && scores[best[at - 1]] < v) at--;
            best.Insert(at, i);
            if (best.Count > k) best.RemoveAt(k);
        }
        return best.ToArray();
    }
}
