using EncDec.Text;

namespace EncDec.Data;

/// <summary>A tokenized training example: source and target ids, without BOS/EOS.</summary>
public sealed record Example(int[] Src, int[] Tgt);

/// <summary>Length and length-ratio filtering of examples (in tokens, before BOS/EOS).</summary>
public sealed record LengthFilter
{
    /// <summary>Both sides need at least this many tokens.</summary>
    public int MinTokens { get; init; } = 1;
    /// <summary>Longest source kept (0 = unlimited).</summary>
    public int MaxSrcTokens { get; init; } = 256;
    /// <summary>Longest target kept (0 = unlimited).</summary>
    public int MaxTgtTokens { get; init; } = 256;
    /// <summary>Largest longer/shorter length ratio kept (0 = no ratio filter).</summary>
    public double MaxRatio { get; init; } = 0;

    /// <summary>Why an example would be dropped, or <see cref="FilterReason.Kept"/>.</summary>
    public FilterReason Check(int srcLen, int tgtLen)
    {
        if (srcLen < MinTokens || tgtLen < MinTokens) return FilterReason.TooShort;
        if ((MaxSrcTokens > 0 && srcLen > MaxSrcTokens) || (MaxTgtTokens > 0 && tgtLen > MaxTgtTokens)) return FilterReason.TooLong;
        if (MaxRatio > 0 && (double)Math.Max(srcLen, tgtLen) / Math.Max(1, Math.Min(srcLen, tgtLen)) > MaxRatio) return FilterReason.BadRatio;
        return FilterReason.Kept;
    }
}

/// <summary>The outcome of filtering one example.</summary>
public enum FilterReason
{
    /// <summary>Kept.</summary>
    Kept,
    /// <summary>A side is shorter than the minimum.</summary>
    TooShort,
    /// <summary>A side is longer than the maximum.</summary>
    TooLong,
    /// <summary>The length ratio exceeds the maximum.</summary>
    BadRatio,
}

/// <summary>Counts of kept and dropped examples, by reason.</summary>
public sealed class FilterStats
{
    private readonly long[] _counts = new long[Enum.GetValues<FilterReason>().Length];
    /// <summary>Examples with this outcome.</summary>
    public long this[FilterReason reason] => _counts[(int)reason];
    /// <summary>Examples dropped for any reason.</summary>
    public long Dropped => _counts.Sum() - _counts[(int)FilterReason.Kept];
    internal void Add(FilterReason r) => _counts[(int)r]++;
}

/// <summary>Turning sentence pairs into filtered examples.</summary>
public static class Examples
{
    /// <summary>Tokenizes the pairs (streamed) and keeps those passing <paramref name="filter"/> (null = no filter).</summary>
    public static List<Example> Tokenize(IEnumerable<SentencePair> pairs, ITokenizer source, ITokenizer target,
        LengthFilter? filter = null, FilterStats? stats = null)
    {
        var list = new List<Example>();
        foreach (var p in pairs)
        {
            var ex = new Example(source.Encode(p.Source), target.Encode(p.Target));
            var reason = filter?.Check(ex.Src.Length, ex.Tgt.Length) ?? FilterReason.Kept;
            stats?.Add(reason);
            if (reason == FilterReason.Kept) list.Add(ex);
        }
        return list;
    }

    /// <summary>Filters already tokenized examples.</summary>
    public static IEnumerable<Example> Filter(IEnumerable<Example> examples, LengthFilter filter, FilterStats? stats = null)
    {
        foreach (var ex in examples)
        {
            var reason = filter.Check(ex.Src.Length, ex.Tgt.Length);
            stats?.Add(reason);
            if (reason == FilterReason.Kept) yield return ex;
        }
    }
}

/// <summary>Which part of a train/valid split.</summary>
public enum SplitPart
{
    /// <summary>Training data.</summary>
    Train,
    /// <summary>Validation data.</summary>
    Valid,
}

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
