namespace EncDec.Data;

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
