namespace EncDec.Tensors;

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

    /// <summary>Bytes of this scope's temporaries not yet returned to the pool (diagnostics and tests; the global
    /// <see cref="TensorPool.LiveBytes"/> counts every thread's scopes).</summary>
    internal long OwnedBytes
    {
        get
        {
            long b = 0;
            foreach (var s in _owned) if (!s.IsReleased) b += 4L * s.Array.Length;
            return b;
        }
    }

    /// <summary>Whether a scope on this thread was asked to <see cref="Keep"/> <paramref name="s"/>.</summary>
    internal static bool IsKept(Storage s)
    {
        for (var c = _current; c is not null; c = c._parent) if (c._kept.Contains(s)) return true;
        return false;
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
