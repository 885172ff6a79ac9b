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
