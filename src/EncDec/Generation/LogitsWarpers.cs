using System.Buffers;

namespace EncDec.Generation;

/// <summary>
/// Truncation warpers for sampling. Each takes scores (logits or log-probs: anything equal to log p up to a
/// constant) and sets the removed tokens to −∞; at least one token is always kept. Ties are broken towards the
/// lower token id.
/// </summary>
public static class LogitsWarpers
{
    /// <summary>Keeps the <paramref name="k"/> highest-scoring tokens.</summary>
    public static void TopK(Span<float> scores, int k)
    {
        if (k <= 0 || k >= scores.Length) return;
        int[] order = ArrayPool<int>.Shared.Rent(scores.Length);
        try
        {
            var idx = order.AsSpan(0, scores.Length);
            SortDescending(scores, idx);
            for (int i = k; i < idx.Length; i++) scores[idx[i]] = float.NegativeInfinity;
        }
        finally { ArrayPool<int>.Shared.Return(order); }
    }

    /// <summary>Nucleus: keeps the smallest set of most likely tokens whose total probability is ≥ <paramref name="p"/>.</summary>
    public static void TopP(Span<float> scores, float p)
    {
        if (p >= 1f) return;
        var (probs, order) = Probabilities(scores);
        try
        {
            var idx = order.AsSpan(0, scores.Length);
            SortDescending(scores, idx);
            KeepPrefixWithMass(scores, idx, probs, p);
        }
        finally { Return(probs, order); }
    }

    /// <summary>
    /// Locally typical sampling (Meister et al. 2022): with H the entropy, keeps the tokens with the smallest
    /// |−log p − H| whose total probability is ≥ <paramref name="mass"/>.
    /// </summary>
    public static void Typical(Span<float> scores, float mass)
    {
        if (mass >= 1f) return;
        var (probs, order) = Probabilities(scores);
        float[] dev = ArrayPool<float>.Shared.Rent(scores.Length);
        try
        {
            int n = scores.Length;
            double h = 0;
            for (int i = 0; i < n; i++) if (probs[i] > 0) h -= probs[i] * Math.Log(probs[i]);
            for (int i = 0; i < n; i++) dev[i] = probs[i] > 0 ? (float)Math.Abs(-Math.Log(probs[i]) - h) : float.PositiveInfinity;
            var idx = order.AsSpan(0, n);
            for (int i = 0; i < n; i++) idx[i] = i;
            // ascending deviation, ties to the lower id
            idx.Sort((a, b) => { int c = dev[a].CompareTo(dev[b]); return c != 0 ? c : a.CompareTo(b); });
            KeepPrefixWithMass(scores, idx, probs, mass);
        }
        finally { Return(probs, order); ArrayPool<float>.Shared.Return(dev); }
    }

    /// <summary>Keeps tokens with probability ≥ <paramref name="minP"/> times the largest probability.</summary>
    public static void MinP(Span<float> scores, float minP)
    {
        if (minP <= 0f) return;
        float max = TensorPrimitives.Max(scores);
        if (float.IsNegativeInfinity(max)) return;
        float threshold = max + MathF.Log(minP);   // p_i / p_max ≥ minP  ⇔  s_i − s_max ≥ log minP
        for (int i = 0; i < scores.Length; i++) if (scores[i] < threshold) scores[i] = float.NegativeInfinity;
    }

    /// <summary>softmax(scores) in double precision into a pooled array (also returns a pooled index array).</summary>
    private static (double[] Probs, int[] Order) Probabilities(ReadOnlySpan<float> scores)
    {
        int n = scores.Length;
        var probs = ArrayPool<double>.Shared.Rent(n);
        var order = ArrayPool<int>.Shared.Rent(n);
        float max = TensorPrimitives.Max(scores);
        double sum = 0;
        for (int i = 0; i < n; i++) { double e = float.IsNegativeInfinity(scores[i]) ? 0 : Math.Exp(scores[i] - (double)max); probs[i] = e; sum += e; }
        for (int i = 0; i < n; i++) probs[i] /= sum;
        return (probs, order);
    }

    private static void Return(double[] probs, int[] order)
    {
        ArrayPool<double>.Shared.Return(probs);
        ArrayPool<int>.Shared.Return(order);
    }

    /// <summary>Keeps idx[0..m) where m is the first count whose cumulative probability reaches <paramref name="mass"/>.</summary>
    private static void KeepPrefixWithMass(Span<float> scores, ReadOnlySpan<int> idx, double[] probs, float mass)
    {
        double cum = 0;
        int m = idx.Length;
        for (int i = 0; i < idx.Length; i++)
        {
            cum += probs[idx[i]];
            if (cum >= mass) { m = i + 1; break; }
        }
        for (int i = m; i < idx.Length; i++) scores[idx[i]] = float.NegativeInfinity;
    }

    /// <summary>Token ids ordered by descending score, ties by ascending id.</summary>
    internal static void SortDescending(ReadOnlySpan<float> scores, Span<int> idx)
    {
        var keys = ArrayPool<float>.Shared.Rent(scores.Length);
        try
        {
            var k = keys.AsSpan(0, scores.Length);
            for (int i = 0; i < idx.Length; i++) { idx[i] = i; k[i] = -scores[i]; }
            k.Sort(idx);
            // restore the id order inside runs of equal scores (the sort is not stable)
            for (int s = 0; s < k.Length;)
            {
                int e = s + 1;
                while (e < k.Length && k[e] == k[s]) e++;
                if (e - s > 1) idx[s..e].Sort();
                s = e;
            }
        }
        finally { ArrayPool<float>.Shared.Return(keys); }
    }
}
