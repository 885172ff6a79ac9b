namespace EncDec.Generation;

/// <summary>One source's finished beam hypotheses, best normalized score first, at most <c>capacity</c>.</summary>
internal sealed class FinishedBeams(int capacity)
{
    private readonly record struct Entry(float Score, float Normalized, HypothesisNode End);

    private readonly List<Entry> _entries = new();

    public int Count => _entries.Count;

    /// <summary>The normalized score of the i-th best.</summary>
    public float Normalized(int i) => _entries[i].Normalized;

    /// <summary>Inserts after the entries with an equal or better normalized score; drops what falls past the capacity.</summary>
    public void Add(float score, float normalized, HypothesisNode end)
    {
        int at = _entries.Count;
        while (at > 0 && _entries[at - 1].Normalized < normalized) at--;
        if (at >= capacity) return;
        _entries.Insert(at, new Entry(score, normalized, end));
        if (_entries.Count > capacity) _entries.RemoveAt(_entries.Count - 1);
    }

    public IReadOnlyList<Hypothesis> Best(int count, bool withLogProbs, bool withAttention)
        => _entries.Take(count).Select(e => e.End.ToHypothesis(e.Score, e.Normalized, withLogProbs, withAttention)).ToList();
}
