namespace EncDec.Tensors;

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

    /// <summary>
    /// Frees the large buffers a phase outside the training step left to the garbage collector, when the managed heap grew by
    /// at least <paramref name="minGrowthBytes"/> since <paramref name="heapBytesBefore"/> (a <see cref="GC.GetTotalMemory"/>
    /// reading taken before it). Decoding state (attention caches, which outlive each step's scope) and loaded checkpoints
    /// are such buffers: they are large-object-heap arrays, freed only by a full collection, and the GC schedules those
    /// from a budget sized by what survives (the pool), so chunk after chunk of validation decoding piled up several hundred
    /// MiB above the training step's working set before one came. A full, non-compacting collection of a heap of few large
    /// arrays takes milliseconds; callers run it between chunks of work that take seconds. Returns whether it collected.
    /// </summary>
    public static bool CollectPhaseGarbage(long heapBytesBefore, long minGrowthBytes = 32L << 20)
    {
        if (GC.GetTotalMemory(false) - heapBytesBefore < minGrowthBytes) return false;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        return true;
    }

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
