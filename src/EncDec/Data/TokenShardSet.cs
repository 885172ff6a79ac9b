using System.Collections;

namespace EncDec.Data;

/// <summary>Several shards read as one list, in order (the train split of a preprocessed corpus).</summary>
public sealed class TokenShardSet : IReadOnlyList<Example>, IExampleLengths, IDisposable
{
    private readonly TokenShard[] _shards;
    private readonly int[] _firsts; // index of each shard's first example; _firsts[^1] = Count

    /// <summary>Wraps open shards (the set takes ownership and disposes them).</summary>
    public TokenShardSet(IReadOnlyList<TokenShard> shards)
    {
        _shards = shards.ToArray();
        _firsts = new int[_shards.Length + 1];
        long total = 0;
        for (int i = 0; i < _shards.Length; i++)
        {
            _firsts[i] = (int)total;
            total += _shards[i].Count;
            if (total > int.MaxValue) throw new UserInputException(_shards[i].Path, null, "too many examples in the shard set (more than 2^31)");
        }
        _firsts[^1] = (int)total;
    }

    /// <summary>The shards.</summary>
    public IReadOnlyList<TokenShard> Shards => _shards;
    /// <summary>Examples in all shards.</summary>
    public int Count => _firsts[^1];

    private (TokenShard Shard, int Local) Locate(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the set has {Count} examples");
        int s = Array.BinarySearch(_firsts, index);
        if (s < 0) s = ~s - 1;
        while (_shards[s].Count == 0 || index - _firsts[s] >= _shards[s].Count) s++; // skip empty shards at equal firsts
        return (_shards[s], index - _firsts[s]);
    }

    /// <inheritdoc/>
    public Example this[int index] { get { var (s, i) = Locate(index); return s[i]; } }
    /// <inheritdoc/>
    public int SrcLength(int index) { var (s, i) = Locate(index); return s.SrcLength(i); }
    /// <inheritdoc/>
    public int TgtLength(int index) { var (s, i) = Locate(index); return s.TgtLength(i); }

    /// <inheritdoc/>
    public IEnumerator<Example> GetEnumerator() { foreach (var s in _shards) foreach (var e in s) yield return e; }
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Unmaps every shard.</summary>
    public void Dispose() { foreach (var s in _shards) s.Dispose(); }
}
