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

    internal void Release()
    {
        var d = _data;
        if (d is null) return;
        _data = null;
        TensorPool.Return(d);
    }

    private static float[] ThrowReleased() =>
        throw new ObjectDisposedException(nameof(Storage),
            "This tensor's storage was returned to the pool when its TensorScope ended; keep it with scope.Keep(t) or create it outside the scope.");

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
/// wastes at most 25%. The pool holds whatever a training step returns, up to <see cref="MaxPooledBytes"/> in all,
/// so a steady loop rents the previous step's buffers instead of allocating (no GC churn).
/// </summary>
public static class TensorPool
{
    private const int MinLength = 64;
    private const int Classes = 4 * 31;
    /// <summary>Upper bound on the bytes kept for reuse (ENCDEC_POOL_MB overrides; default 4096).</summary>
    public static readonly long MaxPooledBytes = (long.TryParse(Environment.GetEnvironmentVariable("ENCDEC_POOL_MB"), out long mb) && mb >= 0 ? mb : 4096) << 20;
    private static readonly Stack<float[]>[] Buckets = CreateBuckets();
    private static long _rented, _returned, _pooledBytes;

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

    internal static float[] Rent(int length)
    {
        if (length == 0) return System.Array.Empty<float>();
        Interlocked.Increment(ref _rented);
        int c = ClassOf(length, out int classLength);
        if (c < 0) return new float[length];
        var stack = Buckets[c];
        lock (stack)
        {
            if (stack.Count > 0)
            {
                Interlocked.Add(ref _pooledBytes, -4L * classLength);
                return stack.Pop();
            }
        }
        return GC.AllocateUninitializedArray<float>(classLength);
    }

    internal static void Return(float[] arr)
    {
        if (arr.Length == 0) return;
        Interlocked.Increment(ref _returned);
        int c = ClassOf(arr.Length, out int classLength);
        if (c < 0 || classLength != arr.Length) return;   // not one of ours
        if (Interlocked.Read(ref _pooledBytes) + 4L * arr.Length > MaxPooledBytes) return;
        var stack = Buckets[c];
        lock (stack) stack.Push(arr);
        Interlocked.Add(ref _pooledBytes, 4L * arr.Length);
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
    private readonly List<Storage> _owned = new();
    private readonly HashSet<Storage> _kept = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    private TensorScope()
    {
        _parent = _current;
        _current = this;
    }

    /// <summary>Starts a scope on this thread.</summary>
    public static TensorScope Begin() => new();

    /// <summary>Inside this region nothing is tracked by any scope (for persistent state).</summary>
    public static SuspendRegion Suspend() => new(0);

    public readonly struct SuspendRegion : IDisposable
    {
        public SuspendRegion(int _) { _suspended++; }
        public void Dispose() => _suspended--;
    }

    internal static void Track(Storage s)
    {
        if (_suspended == 0 && _current is { } c) c._owned.Add(s);
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
            if (_kept.Contains(s)) { _parent?._owned.Add(s); continue; }
            s.Release();
        }
        _owned.Clear();
    }
}
