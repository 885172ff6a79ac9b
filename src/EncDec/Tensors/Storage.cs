using System.Runtime.CompilerServices;

namespace EncDec.Tensors;

/// <summary>
/// A float32 buffer shared by a tensor and its views. Buffers come from <see cref="TensorPool"/>;
/// when the storage was created inside a <see cref="TensorScope"/>, disposing the scope returns the
/// buffer to the pool and any later access throws.
/// </summary>
public sealed class Storage
{
    private float[]? _data;

    /// <summary>Number of usable elements (the pooled array may be longer).</summary>
    public int Length { get; }

    internal Storage(float[] data, int length)
    {
        _data = data;
        Length = length;
    }

    /// <summary>The backing array. Throws if the owning scope released it.</summary>
    public float[] Array
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _data ?? ThrowReleased();
    }

    public bool IsReleased => _data is null;

    private bool _claimed;
    /// <summary>Registered with a scope, so the scope (or backward, early) may return it to the pool.</summary>
    internal bool Tracked { get; set; }

    /// <summary>Holds a pending gradient made inside a backward step: survives <see cref="TensorScope.ReleaseSince"/>.</summary>
    internal bool Pinned { get; set; }

    /// <summary>True the first time it is called: the first tensor over a storage is its owner.</summary>
    internal bool Claim()
    {
        if (_claimed) return false;
        _claimed = true;
        return true;
    }

    /// <summary>Returns a scope-tracked buffer to the pool now (a no-op for persistent or wrapped storage).</summary>
    internal void ReleaseIfTracked()
    {
        if (Tracked) Release();
    }

    internal void Release()
    {
        var d = _data;
        if (d is null) return;
        _data = null;
        if (Tracked) TensorPool.NoteLive(-4L * d.Length);
        TensorPool.Return(d);
    }

    private static float[] ThrowReleased() =>
        throw new ObjectDisposedException(nameof(Storage),
            "This tensor's storage was returned to the pool when its TensorScope ended (or, for an intermediate result inside a scope, once backward had consumed it); keep it with scope.Keep(t) or create it outside the scope.");

    /// <summary>Allocates a zeroed (or uninitialised when <paramref name="clear"/> is false) storage,
    /// registered with the current scope unless <paramref name="persistent"/>.</summary>
    public static Storage Allocate(int length, bool clear = true, bool persistent = false)
    {
        var arr = TensorPool.Rent(length);
        if (clear) System.Array.Clear(arr, 0, length);
        var s = new Storage(arr, length);
        if (!persistent) TensorScope.Track(s);
        return s;
    }

    /// <summary>Wraps an existing array without pooling (never released by a scope).</summary>
    public static Storage Wrap(float[] data) => new(data, data.Length) { };
}

/// <summary>
/// Thread-safe pool of float arrays in size classes of a quarter octave (64·2^e·{1.25, 1.5, 1.75, 2}), so a buffer
/// wastes at most 25%. The pool is sized from the work itself: it keeps returned arrays up to 1.25× the high-water mark of
/// the bytes ever rented at once (one training step's peak, when all of that step's buffers come back), so a steady
/// loop rents the previous step's buffers instead of allocating, and a loop whose shapes change every batch (real
/// corpora) does not hoard arrays of sizes it no longer asks for. A request whose class is empty takes an array of one
/// of the next three classes (at most 1.6× as long) before allocating. <c>ENCDEC_POOL_MB</c> caps the pool lower.
/// </summary>
public static class TensorPool
{
    private const int MinLength = 64;
    private const int Classes = 4 * 31;
    /// <summary>How many larger classes a request may take from when its own is empty.</summary>
    private const int FitClasses = 3;
    /// <summary>The pool keeps at least this many bytes even before any high-water mark is known.</summary>
    private const long MinPooledBytes = 64L << 20;
    /// <summary>Upper bound on the bytes kept for reuse set by ENCDEC_POOL_MB (default: none beyond the high-water mark).</summary>
    public static readonly long MaxPooledBytes = (long.TryParse(Environment.GetEnvironmentVariable("ENCDEC_POOL_MB"), out long mb) && mb >= 0 ? mb << 20 : long.MaxValue);
    private static readonly Stack<float[]>[] Buckets = CreateBuckets();
    private static readonly long[] LastUse = new long[Classes];
    private static long _rented, _returned, _pooledBytes, _liveBytes, _peakLiveBytes, _droppedBytes, _droppedSinceCollect, _tick;

    private static Stack<float[]>[] CreateBuckets()
    {
        var b = new Stack<float[]>[Classes];
        for (int i = 0; i < b.Length; i++) b[i] = new Stack<float[]>();
        return b;
    }

    /// <summary>The size class of a request, and its array length.</summary>
    private static int ClassOf(int length, out int classLength)
    {
        if (length <= MinLength) { classLength = MinLength; return 0; }
        int e = 31 - System.Numerics.BitOperations.LeadingZeroCount((uint)(length - 1)); // 2^e < length ≤ 2^(e+1)
        long baseLen = 1L << e;
        for (int q = 1; q <= 4; q++)
        {
            long len = baseLen + (baseLen * q >> 2);
            if (len >= length)
            {
                if (len > Array.MaxLength) break;
                classLength = (int)len;
                return e * 4 + q;
            }
        }
        classLength = length;
        return -1;
    }

    /// <summary>Arrays handed out and taken back, and the bytes currently pooled (diagnostics and tests).</summary>
    public static (long Rented, long Returned) Stats => (Interlocked.Read(ref _rented), Interlocked.Read(ref _returned));
    public static long PooledBytes => Interlocked.Read(ref _pooledBytes);
    /// <summary>Bytes of scope-tracked buffers handed out and not yet released (a step's temporaries alive now).</summary>
    public static long LiveBytes => Interlocked.Read(ref _liveBytes);
    /// <summary>The most <see cref="LiveBytes"/> ever reached: the pool keeps up to 1.25× this much for reuse.</summary>
    public static long PeakLiveBytes => Interlocked.Read(ref _peakLiveBytes);
    /// <summary>Bytes returned while the pool was full, left to the garbage collector.</summary>
    public static long DroppedBytes => Interlocked.Read(ref _droppedBytes);
    /// <summary>
    /// The bytes the pool may hold now: the high-water mark plus a quarter. At a step's peak some pooled arrays sit idle
    /// (sizes this batch does not ask for); with a cap of exactly the peak, the end of every real-corpus step discarded
    /// them (about 280 MiB a step and a full GC each step in <c>bench realtrain</c>); the quarter keeps them.
    /// </summary>
    public static long CapacityBytes => Math.Min(MaxPooledBytes, Math.Max(MinPooledBytes, PeakLiveBytes + PeakLiveBytes / 4));

    internal static float[] Rent(int length)
    {
        if (length == 0) return System.Array.Empty<float>();
        Interlocked.Increment(ref _rented);
        int c = ClassOf(length, out int classLength);
        if (c < 0) return new float[length];
        LastUse[c] = Interlocked.Increment(ref _tick);
        for (int k = c; k <= c + FitClasses && k < Classes; k++)
        {
            var stack = Buckets[k];
            if (stack.Count == 0) continue;   // unlocked peek: at worst a missed or repeated look
            float[]? arr = null;
            lock (stack) if (stack.Count > 0) arr = stack.Pop();
            if (arr is null) continue;
            Interlocked.Add(ref _pooledBytes, -4L * arr.Length);
            return arr;
        }
        return GC.AllocateUninitializedArray<float>(classLength);
    }

    /// <summary>Counts a scope's buffer as live (positive) or released (negative).</summary>
    internal static void NoteLive(long bytes)
    {
        long live = Interlocked.Add(ref _liveBytes, bytes);
        if (bytes < 0) return;
        long peak;
        while (live > (peak = Interlocked.Read(ref _peakLiveBytes)) && Interlocked.CompareExchange(ref _peakLiveBytes, live, peak) != peak) { }
    }

    internal static void Return(float[] arr)
    {
        if (arr.Length == 0) return;
        Interlocked.Increment(ref _returned);
        int c = ClassOf(arr.Length, out int classLength);
        if (c < 0 || classLength != arr.Length) return;   // not one of ours
        long cap = CapacityBytes;
        if (Interlocked.Read(ref _pooledBytes) + 4L * arr.Length > cap && !EvictColdest(4L * arr.Length, cap, c))
        {
            Drop(4L * arr.Length, cap);
            return;
        }
        var stack = Buckets[c];
        lock (stack) stack.Push(arr);
        Interlocked.Add(ref _pooledBytes, 4L * arr.Length);
    }

    /// <summary>
    /// Makes room for <paramref name="bytes"/> by discarding arrays of the classes asked for least recently (sizes
    /// the work no longer uses), never of a class more recent than <paramref name="incoming"/>'s. False: no room.
    /// </summary>
    private static bool EvictColdest(long bytes, long cap, int incoming)
    {
        while (Interlocked.Read(ref _pooledBytes) + bytes > cap)
        {
            int coldest = -1;
            for (int k = 0; k < Classes; k++)
                if (Buckets[k].Count > 0 && LastUse[k] < LastUse[incoming] && (coldest < 0 || LastUse[k] < LastUse[coldest])) coldest = k;
            if (coldest < 0) return false;
            float[]? victim = null;
            var stack = Buckets[coldest];
            lock (stack) if (stack.Count > 0) victim = stack.Pop();
            if (victim is null) continue;
            Interlocked.Add(ref _pooledBytes, -4L * victim.Length);
            Drop(4L * victim.Length, cap);
        }
        return true;
    }

    /// <summary>
    /// Leaves an array to the GC. Discarded buffers are large-object-heap arrays, which the GC frees only in a full
    /// collection, and it schedules those from a budget sized by what survives (here: the pool) — so discarded
    /// buffers could pile up to several times the pool before one comes. The pool therefore asks for a full,
    /// non-compacting collection each time it has discarded an eighth of its capacity (at least 128 MiB) since the
    /// last; with few, large objects such a collection takes milliseconds.
    /// </summary>
    private static void Drop(long bytes, long cap)
    {
        Interlocked.Add(ref _droppedBytes, bytes);
        if (Interlocked.Add(ref _droppedSinceCollect, bytes) < Math.Max(cap / 8, 128L << 20)) return;
        Interlocked.Exchange(ref _droppedSinceCollect, 0);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
    }
}

/// <summary>
/// Scope for temporaries: every storage allocated on this thread while the scope is the innermost one is
/// returned to the pool when the scope is disposed, except tensors passed to <see cref="Keep"/>.
/// A training step wraps forward, backward and the optimizer step in one scope, so the loop does not
/// churn the garbage collector. Parameters, gradients and optimizer state are persistent.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;
    [ThreadStatic] private static int _suspended;

    private readonly TensorScope? _parent;
    private readonly bool _freeActivations;
    private readonly List<Storage> _owned = new();
    private readonly HashSet<Storage> _kept = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    private TensorScope(bool freeActivations)
    {
        _parent = _current;
        _current = this;
        _freeActivations = freeActivations;
    }

    /// <summary>
    /// Starts a scope on this thread. With <paramref name="freeActivations"/>, backward inside it also returns each
    /// intermediate result (an op's output) to the pool once every consumer's gradient is computed — the bulk of a
    /// training step's memory — so such an intermediate cannot be read after <c>Backward()</c> (read the loss before,
    /// as a training loop does). Either way backward frees its incoming gradients and its own temporaries at once.
    /// </summary>
    public static TensorScope Begin(bool freeActivations = false) => new(freeActivations);

    /// <summary>Whether the innermost scope lets backward free intermediate results.</summary>
    internal static bool FreesActivations => _current is { _freeActivations: true };

    /// <summary>Inside this region nothing is tracked by any scope (for persistent state).</summary>
    public static SuspendRegion Suspend() => new(0);

    public readonly struct SuspendRegion : IDisposable
    {
        public SuspendRegion(int _) { _suspended++; }
        public void Dispose() => _suspended--;
    }

    internal static void Track(Storage s)
    {
        if (_suspended == 0 && _current is { } c)
        {
            c._owned.Add(s);
            s.Tracked = true;
            TensorPool.NoteLive(4L * s.Array.Length);
        }
    }

    /// <summary>A position in the innermost scope's list of temporaries (for <see cref="ReleaseSince"/>), or -1.</summary>
    internal static int Mark() => _current?._owned.Count ?? -1;

    /// <summary>
    /// Returns to the pool every temporary the innermost scope took on since <paramref name="mark"/>, except pinned
    /// ones (pending gradients) and kept ones, which stay registered. Backward calls this after each node.
    /// </summary>
    internal static void ReleaseSince(int mark)
    {
        if (mark < 0 || _current is not { } c || mark > c._owned.Count) return;
        var owned = c._owned;
        int w = mark;
        for (int i = mark; i < owned.Count; i++)
        {
            var s = owned[i];
            if (s.IsReleased) continue;
            if (s.Pinned || c._kept.Contains(s)) owned[w++] = s;
            else s.Release();
        }
        owned.RemoveRange(w, owned.Count - w);
    }

    /// <summary>Keeps <paramref name="t"/> alive after this scope: it moves to the enclosing scope (or none).</summary>
    public Tensor Keep(Tensor t)
    {
        _kept.Add(t.Storage);
        return t;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_current == this) _current = _parent;
        foreach (var s in _owned)
        {
            if (_kept.Contains(s))
            {
                if (_parent is not null) _parent._owned.Add(s);
                else if (!s.IsReleased) { s.Tracked = false; TensorPool.NoteLive(-4L * s.Array.Length); }   // now the GC's
                continue;
            }
            s.Release();
        }
        _owned.Clear();
    }
}
