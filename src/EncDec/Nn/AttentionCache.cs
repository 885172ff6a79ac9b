using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// Keys and values of one attention layer for incremental decoding, each (B, H, T, Dh). Immutable from the
/// caller's view: appending a step returns a new cache and the old one still shows its T positions.
/// <para>
/// Without autograd, caches live in a preallocated buffer (P, H, capacity, Dh), owned by the current
/// <see cref="TensorScope"/> (a decode loop keeps it out of each step's scope, so it returns to the pool when the decode's
/// scope ends; without a scope the GC reclaims it) and shared along a chain of appends and reorders: <see cref="Append"/> writes the step
/// in place after the last position when this cache is the newest of its chain (O(step) work), and copies into a
/// fresh buffer (doubling the capacity) only when the buffer is full, has fewer rows than the step or a second append
/// forks an older cache. A written position is never overwritten, so every cache of a chain keeps its contents.
/// <see cref="Reorder"/> (beam search) copies no keys or values: the cache keeps a row table (which buffer row holds
/// row i's position t, as parent pointers resolved per position) and the single-query attention kernel gathers
/// through it. <see cref="Key"/>/<see cref="Value"/> are views on the buffer when the rows are the buffer's own, else
/// gathered copies made on first use. Not thread-safe: one chain is extended by one thread at a time.
/// When gradients are recorded, appends concatenate differentiably as plain tensors instead.
/// </para>
/// </summary>
public sealed class AttentionCache
{
    /// <summary>Storage shared by caches of one chain; <see cref="Filled"/> positions are written.</summary>
    private sealed class Buffer(Tensor key, Tensor value, int filled, bool owned)
    {
        public readonly Tensor Key = key, Value = value;   // (P, H, capacity, Dh)
        public int Filled = filled;
        /// <summary>Allocated here (contiguous, writable); otherwise the caller's tensors, never written.</summary>
        public readonly bool Owned = owned;
        public int Capacity => Key.Shape[2];
        public int Rows => Key.Shape[0];
    }

    private const int MinCapacity = 16;
    private readonly Buffer _buf;
    /// <summary>Null: row i is buffer row i at every position (and <see cref="BatchSize"/> equals the buffer's rows);
    /// else the buffer row of row i's position t at [i·Length + t].</summary>
    private readonly int[]? _rows;
    private Tensor? _key, _value;

    /// <summary>Number of cached positions T.</summary>
    public int Length { get; }
    /// <summary>Number of rows B.</summary>
    public int BatchSize { get; }
    /// <summary>(B, H, T, Dh) keys.</summary>
    public Tensor Key => _key ??= View(_buf.Key);
    /// <summary>(B, H, T, Dh) values.</summary>
    public Tensor Value => _value ??= View(_buf.Value);

    /// <summary>A cache holding exactly <paramref name="key"/> and <paramref name="value"/> (B, H, T, Dh), not copied.</summary>
    public AttentionCache(Tensor key, Tensor value)
    {
        if (key.Rank != 4 || !ShapeUtil.SameShape(key.Shape, value.Shape))
            throw new ArgumentException($"cache keys {ShapeUtil.Format(key.Shape)} and values {ShapeUtil.Format(value.Shape)} must be equal (B, H, T, Dh)");
        _buf = new Buffer(key, value, key.Shape[2], owned: false);
        Length = key.Shape[2]; BatchSize = key.Shape[0]; _key = key; _value = value;
    }

    private AttentionCache(Buffer buf, int length, int batch, int[]? rows)
    {
        _buf = buf; Length = length; BatchSize = batch; _rows = rows;
    }

    /// <summary>The tensors that hold this cache's data (its buffers), for keeping them out of a step's scope.</summary>
    public IEnumerable<Tensor> Buffers
    {
        get
        {
            yield return _buf.Key;
            yield return _buf.Value;
        }
    }

    /// <summary>Whether the cached keys or values record gradients.</summary>
    internal bool NeedsGrad => Tensor.NeedsGrad(_buf.Key, _buf.Value);

    /// <summary>The buffer (P, H, capacity, Dh) keys, values and the row table (null: identity), for the attention kernel.</summary>
    internal (Tensor Key, Tensor Value, int[]? Rows) Gather => (_buf.Key, _buf.Value, _rows);

    /// <summary>The (B, H, T, Dh) keys or values: a view when the rows are the buffer's own, else a gathered copy.</summary>
    private Tensor View(Tensor buffer)
    {
        if (_rows is null)
        {
            var shape = (int[])buffer.Shape.Clone(); shape[2] = Length;
            return new Tensor(buffer.Storage, shape, (int[])buffer.Strides.Clone(), buffer.Offset);
        }
        int h = buffer.Shape[1], dh = buffer.Shape[3];
        Tensor dst;
        using (TensorScope.Suspend())    // lives as long as this cache; the GC reclaims it
            dst = Tensor.Empty(BatchSize, h, Length, dh);
        GatherRows(buffer, dst, Length);
        return dst;
    }

    /// <summary>Copies positions [0, <paramref name="length"/>) of every row, through the row table, into rows 0..B−1 of a contiguous (B', H, C, Dh) tensor.</summary>
    private void GatherRows(Tensor src, Tensor dst, int length)
    {
        if (src.Strides[3] != 1) src = src.ContiguousRaw();
        int h = src.Shape[1], dh = src.Shape[3], cap = dst.Shape[2];
        var sa = src.Storage.Array; var da = dst.Storage.Array;
        var st = src.Strides;
        for (int i = 0; i < BatchSize; i++)
            for (int j = 0; j < h; j++)
            {
                int d0 = dst.Offset + (i * h + j) * cap * dh;
                if (_rows is null && st[2] == dh) { Array.Copy(sa, src.Offset + i * st[0] + j * st[1], da, d0, length * dh); continue; }
                for (int t = 0; t < length; t++)
                {
                    int r = _rows is null ? i : _rows[i * Length + t];
                    Array.Copy(sa, src.Offset + r * st[0] + j * st[1] + t * st[2], da, d0 + t * dh, dh);
                }
            }
    }

    /// <summary>A cache of the (B, H, S, Dh) first step(s) in a fresh buffer with room to grow (no autograd).</summary>
    public static AttentionCache FromStep(Tensor keyStep, Tensor valueStep)
    {
        if (Tensor.NeedsGrad(keyStep, valueStep)) return new AttentionCache(keyStep, valueStep);
        var buf = NewBuffer(keyStep.Shape, Math.Max(MinCapacity, 2 * keyStep.Shape[2]));
        CopyTime(keyStep, buf.Key, 0); CopyTime(valueStep, buf.Value, 0);
        buf.Filled = keyStep.Shape[2];
        return new AttentionCache(buf, buf.Filled, keyStep.Shape[0], null);
    }

    /// <summary>A cache with the (B, H, S, Dh) step appended along time: in place when possible (see the class summary).</summary>
    public AttentionCache Append(Tensor keyStep, Tensor valueStep)
    {
        var bs = _buf.Key.Shape;
        if (keyStep.Rank != 4 || !ShapeUtil.SameShape(keyStep.Shape, valueStep.Shape) || keyStep.Shape[0] != BatchSize
            || keyStep.Shape[1] != bs[1] || keyStep.Shape[3] != bs[3])
            throw new ArgumentException($"step {ShapeUtil.Format(keyStep.Shape)} does not match cache ({BatchSize}, {bs[1]}, {Length}, {bs[3]})");
        if (Tensor.NeedsGrad(keyStep, valueStep) || NeedsGrad)
            return new AttentionCache(F.Concat(new[] { Key, keyStep }, 2), F.Concat(new[] { Value, valueStep }, 2));
        int s = keyStep.Shape[2], len = Length + s, n = BatchSize;
        var buf = _buf;
        var rows = _rows;
        if (!buf.Owned || buf.Filled != Length || len > buf.Capacity || n > buf.Rows)
        {
            buf = NewBuffer(new[] { n, bs[1], Length, bs[3] }, Math.Max(MinCapacity, 2 * len));   // grow or fork: copy the T cached positions
            GatherRows(_buf.Key, buf.Key, Length); GatherRows(_buf.Value, buf.Value, Length);
            rows = null;
        }
        CopyTime(keyStep, buf.Key, Length); CopyTime(valueStep, buf.Value, Length);
        buf.Filled = len;
        if (rows is null) return new AttentionCache(buf, len, n, null);
        var next = new int[n * len];
        for (int i = 0; i < n; i++)
        {
            Array.Copy(rows, i * Length, next, i * len, Length);
            next.AsSpan(i * len + Length, s).Fill(i);                      // the step sits in buffer row i
        }
        return new AttentionCache(buf, len, n, next);
    }

    /// <summary>
    /// The cache with its batch rows picked by <paramref name="batchIndices"/> (beam search reordering): a new row
    /// table over the same buffer, no keys or values copied.
    /// </summary>
    public AttentionCache Reorder(IndexTensor batchIndices)
    {
        if (NeedsGrad)
            return new(F.IndexSelect(Key, 0, batchIndices), F.IndexSelect(Value, 0, batchIndices));
        var pick = batchIndices.Data;
        int n = batchIndices.Shape[0], t = Length;
        bool identity = n == _buf.Rows;
        var next = new int[n * t];
        for (int i = 0; i < n; i++)
        {
            int r = pick[i];
            if ((uint)r >= (uint)BatchSize) throw new ArgumentOutOfRangeException(nameof(batchIndices), $"row {r} outside a batch of {BatchSize}");
            var dst = next.AsSpan(i * t, t);
            if (_rows is null) dst.Fill(r);
            else _rows.AsSpan(r * t, t).CopyTo(dst);
            if (identity) foreach (int p in dst) if (p != i) { identity = false; break; }
        }
        return new AttentionCache(_buf, t, n, identity ? null : next);
    }

    private static Buffer NewBuffer(int[] shape, int capacity)
    {
        var full = new[] { shape[0], shape[1], capacity, shape[3] };
        // decoding state outlives per-step scopes: a decode loop keeps the state's buffers (IDecoderState.Tensors) out of each
        // step's scope, so they go back to the pool when the caller's scope ends (no large arrays left to the GC per decode);
        // without a scope the GC reclaims them
        return new Buffer(Tensor.Empty(full), Tensor.Empty(full), 0, owned: true);
    }

    /// <summary>Copies src (B, H, S, Dh) into positions [at, at + S) of rows 0..B−1 of a contiguous buffer (P, H, C, Dh).</summary>
    private static void CopyTime(Tensor src, Tensor dst, int at)
    {
        if (src.Strides[3] != 1) src = src.ContiguousRaw();
        int b = src.Shape[0], h = src.Shape[1], s = src.Shape[2], dh = src.Shape[3], cap = dst.Shape[2];
        var sa = src.Storage.Array; var da = dst.Storage.Array;
        var st = src.Strides;
        for (int i = 0; i < b; i++)
            for (int j = 0; j < h; j++)
            {
                int so = src.Offset + i * st[0] + j * st[1], d0 = dst.Offset + ((i * h + j) * cap + at) * dh;
                if (st[2] == dh) { Array.Copy(sa, so, da, d0, s * dh); continue; }  // time-contiguous per head
                for (int t = 0; t < s; t++) Array.Copy(sa, so + t * st[2], da, d0 + t * dh, dh);
            }
    }
}
