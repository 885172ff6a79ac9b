namespace EncDec.Data;

/// <summary>
/// Reproducible train/valid split: each pair goes to the validation part when a seeded 64-bit hash of its text
/// falls below <c>validFraction</c>. Streaming-friendly, independent of order, and duplicates never straddle the split.
/// </summary>
public static class DataSplit
{
    /// <summary>The part <paramref name="pair"/> belongs to.</summary>
    public static SplitPart Assign(in SentencePair pair, double validFraction, int seed)
    {
        ulong h = 14695981039346656037UL ^ (ulong)(uint)seed * 0x9E3779B97F4A7C15UL;
        foreach (char c in pair.Source) h = (h ^ c) * 1099511628211UL;
        h = (h ^ 0x1F) * 1099511628211UL;
        foreach (char c in pair.Target) h = (h ^ c) * 1099511628211UL;
        h ^= h >> 30; h *= 0xBF58476D1CE4E5B9UL; h ^= h >> 27; h *= 0x94D049BB133111EBUL; h ^= h >> 31; // splitmix64 finalizer
        double u = (h >> 11) * (1.0 / (1UL << 53));
        return u < validFraction ? SplitPart.Valid : SplitPart.Train;
    }

    /// <summary>Streams only the pairs of one part.</summary>
    public static IEnumerable<SentencePair> Select(IEnumerable<SentencePair> pairs, SplitPart part, double validFraction, int seed)
        => pairs.Where(p => Assign(p, validFraction, seed) == part);

    /// <summary>Splits into two lists.</summary>
    public static (List<SentencePair> Train, List<SentencePair> Valid) Split(IEnumerable<SentencePair> pairs, double validFraction, int seed)
    {
        var train = new List<SentencePair>();
        var valid = new List<SentencePair>();
        foreach (var p in pairs) (Assign(p, validFraction, seed) == SplitPart.Valid ? valid : train).Add(p);
        return (train, valid);
    }
}
