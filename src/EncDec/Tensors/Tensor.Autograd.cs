
namespace EncDec.Tensors;

public sealed partial class Tensor
{
    private bool _requiresGrad;
    private Tensor? _pendingGrad;
    /// <summary>The gradient buffer backward made for this leaf (not one a caller assigned to <see cref="Grad"/>).</summary>
    private Tensor? _engineGrad;

    /// <summary>The operation that produced this tensor, or null for a leaf.</summary>
    public Node? GradFn { get; private set; }

    public bool IsLeaf => GradFn is null;

    /// <summary>Accumulated gradient of a leaf tensor after <c>Backward</c> (persistent storage).</summary>
    public Tensor? Grad { get; set; }

    /// <summary>Whether gradients flow to this tensor. Only leaves may have it set by the user.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (!IsLeaf && !value) throw new InvalidOperationException("cannot clear RequiresGrad of a non-leaf tensor; use Detach()");
            _requiresGrad = value;
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor (fluent).</summary>
    public Tensor RequiresGrad_(bool value = true) { RequiresGrad = value; return this; }

    /// <summary>A tensor sharing this one's storage with no history.</summary>
    public Tensor Detach() => new(Storage, _shape, _strides, Offset);

    /// <summary>
    /// Drops the accumulated gradient. A buffer backward made goes back to the pool for the next backward to reuse
    /// (a training loop would otherwise leave a parameter-sized array to the GC every step); a tensor assigned to
    /// <see cref="Grad"/> by the caller is left alone. Read or copy a gradient before zeroing it.
    /// </summary>
    public void ZeroGrad(bool setToNull = true)
    {
        if (setToNull)
        {
            if (Grad is { } g && ReferenceEquals(g, _engineGrad)) g.Storage.Release();
            Grad = null;
            _engineGrad = null;
        }
        else Grad?.Span.Clear();
    }

    /// <summary>True when an op on these inputs must record a node.</summary>
    internal static bool NeedsGrad(Tensor a) => GradMode.IsEnabled && a._requiresGrad;
    internal static bool NeedsGrad(Tensor a, Tensor b) => GradMode.IsEnabled && (a._requiresGrad || b._requiresGrad);
    internal static bool NeedsGrad(ReadOnlySpan<Tensor> ts)
    {
        if (!GradMode.IsEnabled) return false;
        foreach (var t in ts) if (t._requiresGrad) return true;
        return false;
    }

    /// <summary>Marks this freshly made tensor as the output of <paramref name="name"/>.</summary>
    internal Tensor WithGrad(string name, Tensor[] inputs, Action<Tensor> backward, SavedValues saves = SavedValues.All)
    {
        if (OpProfile.Enabled) OpProfile.Charge(false, name);
        GradFn = new Node(name, inputs, backward, saves);
        _requiresGrad = true;
        return this;
    }

    /// <summary>
    /// The contiguous buffer that gradients of this tensor accumulate into (created zeroed on first use):
    /// the persistent <see cref="Grad"/> for a leaf, a pending buffer for an intermediate.
    /// Backward kernels may add into it directly (e.g. a GEMM with beta = 1).
    /// </summary>
    internal Tensor GradSink()
    {
        if (IsLeaf)
        {
            if (Grad is null)
            {
                using (TensorScope.Suspend()) Grad = _engineGrad = ZerosPersistent(_shape);
            }
            return Grad;
        }
        if (_pendingGrad is null) { _pendingGrad = Zeros(_shape); _pendingGrad.Storage.Pinned = true; }
        return _pendingGrad;
    }

    /// <summary>
    /// Adds <paramref name="g"/> (this tensor's shape, or broadcastable to it after reduction) to this tensor's gradient.
    /// <paramref name="owned"/>: the caller just allocated <paramref name="g"/> and will not touch it again, so an
    /// intermediate with no pending gradient yet adopts it as its buffer instead of zero-filling one and adding.
    /// </summary>
    internal void AccumulateGrad(Tensor g, bool owned = false)
    {
        if (!_requiresGrad) return;
        if (!ShapeUtil.SameShape(g.Shape, _shape)) { g = Kernels.SumToShape(g, _shape); owned = true; }
        if (owned && !IsLeaf && _pendingGrad is null && g.IsContiguous && g.Offset == 0)
        {
            _pendingGrad = g;
            g.Storage.Pinned = true;
            return;
        }
        var sink = GradSink();
        var src = g.ContiguousRaw().Span;
        TensorPrimitives.Add(sink.Span, src, sink.Span);
        if (owned && g.OwnsStorage) g.Storage.ReleaseIfTracked();
    }

    /// <summary>The pending gradient a backward closure passed on unchanged to an input in the node now running (see <see cref="PassGrad"/>).</summary>
    [ThreadStatic] private static Storage? s_passedOn;

    /// <summary>
    /// Adds the incoming gradient <paramref name="g"/> of the node now running (or a view of it with offset 0), unchanged,
    /// to this input's gradient. When this input has no pending gradient yet and the shapes agree, it adopts g's buffer
    /// instead of zero-filling one and adding (an identity-like backward: reshape, contiguous, a residual sum's first
    /// operand), and backward does not free that buffer after the node. At most one input per node adopts it; a caller's
    /// own root gradient (not an engine buffer) is never adopted. Only for the g a closure received.
    /// </summary>
    internal void PassGrad(Tensor g)
    {
        if (!_requiresGrad) return;
        if (!IsLeaf && _pendingGrad is null && g.Storage.Pinned && !ReferenceEquals(s_passedOn, g.Storage)
            && g.IsContiguous && g.Offset == 0 && ShapeUtil.SameShape(g.Shape, _shape))
        {
            _pendingGrad = g;
            s_passedOn = g.Storage;
            return;
        }
        AccumulateGrad(g);
    }

    /// <summary>
    /// Back-propagates from this tensor: gradients accumulate into the <see cref="Grad"/> of every leaf that
    /// requires grad. A non-scalar output needs an explicit <paramref name="gradient"/>.
    /// </summary>
    public void Backward(Tensor? gradient = null) => Backward(gradient, null);

    /// <summary>
    /// Back-propagates as <see cref="Backward(Tensor?)"/> and calls <paramref name="leafGradientReady"/> for each leaf
    /// that requires grad as soon as this backward pass has added its last contribution to the leaf's
    /// <see cref="Grad"/> (while the rest of the pass still runs), so a caller can start using that gradient early, e.g.
    /// all-reducing it across data-parallel processes. A leaf that no path reaches is not reported.
    /// </summary>
    public void Backward(Tensor? gradient, Action<Tensor>? leafGradientReady)
    {
        if (!_requiresGrad) throw new InvalidOperationException("Backward() on a tensor that does not require grad");
        if (gradient is null)
        {
            if (Numel != 1) throw new InvalidOperationException($"Backward() without a gradient needs a scalar; shape is {ShapeUtil.Format(_shape)}");
            gradient = Ones(_shape);
        }
        else if (!ShapeUtil.SameShape(gradient.Shape, _shape))
            throw new ArgumentException($"gradient shape {ShapeUtil.Format(gradient.Shape)} does not match {ShapeUtil.Format(_shape)}");

        if (IsLeaf) { AccumulateGrad(gradient); leafGradientReady?.Invoke(this); return; }

        bool profile = OpProfile.Enabled;
        if (profile) OpProfile.Mark();
        var order = TopologicalOrder(this);
        if (profile) OpProfile.Charge(true, "(graph order)");
        var readyAfter = leafGradientReady is null ? null : LeavesDoneAfter(order);
        _pendingGrad = gradient.ContiguousRaw();
        var rootGrad = _pendingGrad;
        bool freeOutputs = TensorScope.FreesActivations;
        using (GradMode.NoGrad())
        {
            for (int i = order.Count - 1; i >= 0; i--)
            {
                var t = order[i];
                var g = t._pendingGrad;
                t._pendingGrad = null;
                if (g is null) { Report(i); continue; } // no path carried a gradient here
                int mark = TensorScope.Mark();
                s_passedOn = null;
                t.GradFn!.Backward(g);
                if (profile) OpProfile.Charge(true, t.GradFn.Name);
                // Memory: inside a TensorScope, what this node's backward allocated and did not hand on as an input's
                // pending gradient is dead now, and so is this node's incoming gradient. In a scope that frees
                // activations its output goes too: every consumer (they all come later in the graph) has run its
                // backward already. Only buffers a scope tracks are returned early; a tensor made outside any scope is
                // left to the GC as before.
                TensorScope.ReleaseSince(mark);
                // the incoming gradient is dead now, unless an input adopted it as its own (PassGrad)
                if (!ReferenceEquals(g, rootGrad) && !ReferenceEquals(s_passedOn, g.Storage)) { g.Storage.Pinned = false; g.Storage.ReleaseIfTracked(); }
                s_passedOn = null;
                if (freeOutputs && !ReferenceEquals(t, this) && t.OwnsStorage) t.Storage.ReleaseIfTracked();
                if (profile) OpProfile.Charge(true, "(release)");
                Report(i);
            }
        }

        void Report(int i)
        {
            if (readyAfter is not null && readyAfter.TryGetValue(i, out var done))
                foreach (var leaf in done) leafGradientReady!(leaf);
        }
    }

    /// <summary>
    /// A mark for <see cref="ReleaseUnsaved"/>: the ops recorded after it form a forward region (one Transformer layer, say).
    /// </summary>
    public static long RegionMark() => Node.NextId;

    /// <summary>
    /// Inside a <see cref="TensorScope"/> that frees activations (a training step), returns to the pool now every
    /// intermediate result recorded since <paramref name="mark"/> that is reachable from <paramref name="output"/> and that
    /// no backward will read: its own op does not read its output and no op consuming it reads its inputs (a Linear's output
    /// feeding a dropout, a residual sum feeding a layer norm, a ReLU's input). PyTorch frees such tensors by reference
    /// counting as soon as forward moves on; without this they stay until backward reaches them, and at the end of forward
    /// (a step's peak) they are about half of a Transformer layer's bytes. The caller promises that, of the region's
    /// results, only <paramref name="output"/> and <paramref name="keep"/> are read by forward code afterwards (a layer's
    /// locals). Views count with the storage they share. Returns the bytes released. A no-op outside such a scope.
    /// </summary>
    public static long ReleaseUnsaved(Tensor output, long mark, params Tensor[] keep)
    {
        if (!TensorScope.FreesActivations || output.GradFn is null || output.GradFn.Id < mark) return 0;
        // the region's tensors, reached from the output through ops recorded since the mark
        var region = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance) { output };
        var stack = new Stack<Tensor>();
        stack.Push(output);
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            region.Add(t);
            foreach (var i in t.GradFn!.Inputs)
                if (i.GradFn is { } n && n.Id >= mark && seen.Add(i)) stack.Push(i);
        }
        // a storage is needed when any tensor over it is: the output, a kept tensor, one its own op reads, or one a consumer reads
        var needed = new HashSet<Storage>(ReferenceEqualityComparer.Instance) { output.Storage };
        foreach (var k in keep) needed.Add(k.Storage);
        foreach (var t in region)
        {
            var n = t.GradFn!;
            if ((n.Saves & SavedValues.Output) != 0) needed.Add(t.Storage);
            if ((n.Saves & SavedValues.Inputs) != 0) foreach (var i in n.Inputs) needed.Add(i.Storage);
        }
        long released = 0;
        foreach (var t in region)
        {
            if (!t.OwnsStorage || needed.Contains(t.Storage) || !t.Storage.Tracked || t.Storage.IsReleased || t.Storage.Pinned
                || TensorScope.IsKept(t.Storage)) continue;
            released += 4L * t.Storage.Array.Length;
            t.Storage.Release();
        }
        return released;
    }

    /// <summary>
    /// For a pass over <paramref name="order"/> (run from the end), the leaves whose gradient is complete once node i has
    /// run: a leaf's last contribution comes from the consumer with the smallest index.
    /// </summary>
    private static Dictionary<int, List<Tensor>> LeavesDoneAfter(List<Tensor> order)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var byIndex = new Dictionary<int, List<Tensor>>();
        for (int i = 0; i < order.Count; i++)
            foreach (var input in order[i].GradFn!.Inputs)
                if (input.IsLeaf && input._requiresGrad && seen.Add(input))
                {
                    if (!byIndex.TryGetValue(i, out var list)) byIndex[i] = list = new List<Tensor>();
                    list.Add(input);
                }
        return byIndex;
    }

    /// <summary>Non-leaf tensors reachable from <paramref name="root"/>, inputs before outputs.</summary>
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor t, int next)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var inputs = t.GradFn!.Inputs;
            if (next < inputs.Length)
            {
                stack.Push((t, next + 1));
                var c = inputs[next];
                if (c.GradFn is not null && c._requiresGrad && visited.Add(c)) stack.Push((c, 0));
            }
            else order.Add(t);
        }
        return order;
    }
}
