using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace EncDec.Text;

/// <summary>
/// Byte-pair encoding over Unicode code points with byte fallback: any character not in the vocabulary is
/// written as the tokens <c>&lt;0xNN&gt;</c> of its UTF-8 bytes, so nothing becomes UNK. A space before a word is
/// the marker <c>▁</c>; other whitespace characters are tokens of their own; a literal <c>▁</c> in the input
/// goes through byte fallback. Hence <c>Decode(Encode(s)) == s</c> for every well-formed string.
/// Vocabulary layout: specials, control tokens, the 256 byte tokens, <c>▁</c>, the alphabet, then merges in rank order.
/// </summary>
public sealed class BpeTokenizer : TokenizerBase
{
    private readonly BpeMerge[] _merges;
    private readonly Dictionary<long, (int Rank, int Result)> _mergeMap;
    private readonly int _firstByteId;
    private readonly int _markerId;
    private readonly int[] _asciiIds = new int[128];
    private readonly Dictionary<int, int> _runeIds = new();
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheSpan;
    private readonly Lock _cacheLock = new();
    private readonly int _cacheCapacity;

    [ThreadStatic] private static List<Piece>? t_pieces;

    /// <summary>The text of the byte-fallback token for <paramref name="b"/>.</summary>
    public static string ByteToken(byte b) => $"<0x{b:X2}>";

    internal BpeTokenizer(Vocabulary vocab, IReadOnlyList<BpeMerge> merges, int cacheCapacity = 1 << 20) : base(vocab)
    {
        _firstByteId = vocab.FirstOrdinaryId;
        for (int b = 0; b < 256; b++)
            if (_firstByteId + b >= vocab.Count || vocab[_firstByteId + b] != ByteToken((byte)b))
                throw new ArgumentException($"byte token {ByteToken((byte)b)} missing at id {_firstByteId + b}");
        if (!vocab.TryGetId(PreTokenizer.MarkerString, out _markerId))
            throw new ArgumentException("the space marker token is missing");
        Array.Fill(_asciiIds, -1);
        for (int id = _firstByteId + 256; id < vocab.Count; id++)
        {
            string t = vocab[id];
            if (id == _markerId || Rune.DecodeFromUtf16(t, out Rune r, out int used) != OperationStatus.Done || used != t.Length) continue;
            if (r.Value < 128) _asciiIds[r.Value] = id; else _runeIds[r.Value] = id;
        }
        _merges = merges.ToArray();
        _mergeMap = new Dictionary<long, (int, int)>(_merges.Length);
        for (int rank = 0; rank < _merges.Length; rank++)
        {
            var m = _merges[rank];
            if (m.Left < _firstByteId + 256 || m.Right < _firstByteId + 256 || m.Result < _firstByteId + 256
                || m.Left >= vocab.Count || m.Right >= vocab.Count || m.Result >= vocab.Count)
                throw new ArgumentException($"merge {rank} refers to an invalid token id");
            _mergeMap.TryAdd(PairKey(m.Left, m.Right), (rank, m.Result));
        }
        _cacheCapacity = Math.Max(1, cacheCapacity);
        _cacheSpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <inheritdoc/>
    public override TokenizerKind Kind => TokenizerKind.Bpe;

    /// <summary>The learned merges in rank order.</summary>
    public IReadOnlyList<BpeMerge> Merges => _merges;

    /// <summary>The merges as "left right" token text, in rank order (for inspection).</summary>
    public IEnumerable<string> MergeStrings => _merges.Select(m => Vocab[m.Left] + " " + Vocab[m.Right]);

    private static long PairKey(int a, int b) => ((long)a << 32) | (uint)b;

    private protected override string SurfaceOf(string token) => PreTokenizer.Surface(token);

    /// <inheritdoc/>
    public override string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder(ids.Length * 4);
        Span<byte> pending = stackalloc byte[64];
        int np = 0;
        foreach (int id in ids)
        {
            CheckId(id);
            int b = id - _firstByteId;
            if ((uint)b < 256)
            {
                if (np == pending.Length)
                {
                    var grown = new byte[np * 2];
                    pending.CopyTo(grown);
                    pending = grown;
                }
                pending[np++] = (byte)b;
                continue;
            }
            if (np > 0) { sb.Append(Encoding.UTF8.GetString(pending[..np])); np = 0; }
            if (Surfaces[id] is { } s) sb.Append(s);
        }
        if (np > 0) sb.Append(Encoding.UTF8.GetString(pending[..np]));
        return sb.ToString();
    }

    private protected override void EncodeCore(ReadOnlySpan<char> text, List<int> output)
    {
        var pieces = t_pieces ??= new List<Piece>();
        pieces.Clear();
        PreTokenizer.Split(text, pieces);
        Span<char> buf = stackalloc char[64];
        foreach (var p in pieces)
        {
            var s = text.Slice(p.Start, p.Length);
            if (p.Kind == PieceKind.Whitespace && s[0] == ' ') { output.Add(_markerId); continue; }
            if (s.Contains(PreTokenizer.Marker))
            {
                // A literal marker character: never cached, never merged, written as bytes.
                output.AddRange(EncodeWord(p.SpaceBefore, s));
                continue;
            }
            scoped ReadOnlySpan<char> key = s;
            if (p.SpaceBefore)
            {
                var k = s.Length < buf.Length ? buf[..(s.Length + 1)] : new char[s.Length + 1];
                k[0] = PreTokenizer.Marker;
                s.CopyTo(k[1..]);
                key = k;
            }
            int[]? ids;
            lock (_cacheLock) _cacheSpan.TryGetValue(key, out ids);
            if (ids == null)
            {
                ids = EncodeWord(p.SpaceBefore, s);
                lock (_cacheLock)
                {
                    if (_cache.Count >= _cacheCapacity) _cache.Clear();
                    _cache[key.ToString()] = ids;
                }
            }
            output.AddRange(ids);
        }
    }

    /// <summary>Initial symbols (marker, code points or their bytes), then merges applied lowest rank first.</summary>
    private int[] EncodeWord(bool spaceBefore, ReadOnlySpan<char> text)
    {
        var sym = new List<int>(text.Length + 1);
        var mergeable = new List<bool>(text.Length + 1);
        if (spaceBefore) { sym.Add(_markerId); mergeable.Add(true); }
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text[i..], out Rune r, out int used) != OperationStatus.Done) r = Rune.ReplacementChar;
            i += used;
            int id = r.Value < 128 ? _asciiIds[r.Value] : _runeIds.GetValueOrDefault(r.Value, -1);
            if (r.Value == PreTokenizer.Marker) id = -1;
            if (id >= 0) { sym.Add(id); continue; }
            int nb = r.EncodeToUtf8(utf8);
            for (int k = 0; k < nb; k++) sym.Add(_firstByteId + utf8[k]);
        }
        int n = sym.Count;
        if (n < 2 || _mergeMap.Count == 0) return sym.ToArray();
        var s = CollectionsMarshal.AsSpan(sym);
        var next = new int[n];
        var prev = new int[n];
        var alive = new bool[n];
        var heap = new PriorityQueue<int, long>();
        for (int i = 0; i < n; i++)
        {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            alive[i] = true;
            if (i + 1 < n && _mergeMap.TryGetValue(PairKey(s[i], s[i + 1]), out var m))
                heap.Enqueue(i, ((long)m.Rank << 32) | (uint)i);
        }
        while (heap.TryDequeue(out int i, out long pri))
        {
            int j = next[i];
            if (!alive[i] || j < 0) continue;
            if (!_mergeMap.TryGetValue(PairKey(s[i], s[j]), out var m) || m.Rank != (int)(pri >> 32)) continue;
            s[i] = m.Result;
            alive[j] = false;
            next[i] = next[j];
            if (next[j] >= 0) prev[next[j]] = i;
            if (prev[i] >= 0 && _mergeMap.TryGetValue(PairKey(s[prev[i]], s[i]), out var left))
                heap.Enqueue(prev[i], ((long)left.Rank << 32) | (uint)prev[i]);
            if (next[i] >= 0 && _mergeMap.TryGetValue(PairKey(s[i], s[next[i]]), out var right))
                heap.Enqueue(i, ((long)right.Rank << 32) | (uint)i);
        }
        var result = new List<int>(n);
        for (int i = 0; i >= 0; i = next[i]) result.Add(s[i]);
        return result.ToArray();
    }

    private protected override void WriteExtra(Utf8JsonWriter writer)
    {
        writer.WriteStartArray("merges");
        foreach (var m in _merges)
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(m.Left);
            writer.WriteNumberValue(m.Right);
            writer.WriteNumberValue(m.Result);
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
    }

    internal static BpeTokenizer FromJson(Vocabulary vocab, JsonElement root)
    {
        var merges = new List<BpeMerge>();
        foreach (var m in root.GetProperty("merges").EnumerateArray())
        {
            if (m.GetArrayLength() != 3) throw new FormatException("a merge must be [left, right, result]");
            merges.Add(new BpeMerge(m[0].GetInt32(), m[1].GetInt32(), m[2].GetInt32()));
        }
        return new BpeTokenizer(vocab, merges);
    }

    /// <summary>
    /// Learns a BPE vocabulary of at most <paramref name="vocabSize"/> tokens (specials, control tokens and the
    /// 256 byte tokens included). Words are counted first; merges then run over the distinct words with an
    /// incremental pair-count index and a lazily updated priority queue (count desc, then ordinal token text).
    /// </summary>
    public static BpeTokenizer Train(IEnumerable<string> lines, int vocabSize, BpeOptions? options = null)
    {
        options ??= new BpeOptions();
        return BpeTrainer.Train(lines, vocabSize, options);
    }

    internal static BpeTokenizer Create(Vocabulary vocab, IReadOnlyList<BpeMerge> merges, BpeOptions options)
        => new(vocab, merges, options.CacheCapacity);
}
