using System.Runtime.CompilerServices;

namespace EncDec.Tensors;

/// <summary>
/// An n-dimensional float32 tensor: a view (shape, strides, offset) on a pooled <see cref="Tensors.Storage"/>.
/// Views made by reshape, narrow, transpose, permute, unsqueeze and expand share storage; kernels that need
/// a dense row-major layout call <see cref="Contiguous"/>. Differentiable operations live in the Autograd part
/// of this class.
/// </summary>
public sealed partial class Tensor
{
    private readonly int[] _shape;
    private readonly int[] _strides;

    public Storage Storage { get; }
    public int Offset { get; }

    /// <summary>Sizes of each dimension (do not mutate).</summary>
    public int[] Shape => _shape;
    /// <summary>Element strides of each dimension (do not mutate).</summary>
    public int[] Strides => _strides;
    public int Rank => _shape.Length;
    public int Numel { get; }

    internal Tensor(Storage storage, int[] shape, int[] strides, int offset)
    {
        Storage = storage;
        _shape = shape;
        _strides = strides;
        Offset = offset;
        Numel = ShapeUtil.Numel(shape);
        OwnsStorage = storage.Claim();
    }

    /// <summary>True for the tensor that allocated its storage (not a view made later over it); backward may
    /// release such a tensor's buffer once every consumer's gradient has been computed.</summary>
    internal bool OwnsStorage { get; }

    internal Tensor(Storage storage, int[] shape) : this(storage, shape, ShapeUtil.ContiguousStrides(shape), 0) { }

    public int Size(int dim) => _shape[ShapeUtil.NormalizeDim(dim, Rank)];

    public bool IsContiguous
    {
        get
        {
            int acc = 1;
            for (int i = _shape.Length - 1; i >= 0; i--)
            {
                if (_shape[i] != 1 && _strides[i] != acc) return false;
                acc *= _shape[i];
            }
            return true;
        }
    }

    /// <summary>The elements of a contiguous tensor as a span over its storage.</summary>
    public Span<float> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (!IsContiguous) ThrowNotContiguous();
            return new Span<float>(Storage.Array, Offset, Numel);
        }
    }

    private static void ThrowNotContiguous() => throw new InvalidOperationException("tensor is not contiguous; call Contiguous() first");

    public override string ToString() => $"Tensor{ShapeUtil.Format(_shape)}";

    // ---------------------------------------------------------------- factories (no autograd)

    /// <summary>An uninitialised tensor (contents undefined) tracked by the current scope.</summary>
    public static Tensor Empty(params int[] shape) => new(Storage.Allocate(ShapeUtil.Numel(shape), clear: false), (int[])shape.Clone());

    public static Tensor Zeros(params int[] shape) => new(Storage.Allocate(ShapeUtil.Numel(shape)), (int[])shape.Clone());

    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    public static Tensor Full(float value, params int[] shape)
    {
        var t = Empty(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>Zeros that no scope releases (parameters, gradients, optimizer state).</summary>
    public static Tensor ZerosPersistent(params int[] shape) => new(Storage.Allocate(ShapeUtil.Numel(shape), persistent: true), (int[])shape.Clone());

    /// <summary>Copies <paramref name="data"/> into a new tensor of <paramref name="shape"/> (default: 1-D).</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        if (shape.Length == 0 && data.Length != 1) shape = new[] { data.Length };
        if (ShapeUtil.Numel(shape) != data.Length)
            throw new ArgumentException($"{data.Length} values do not fill shape {ShapeUtil.Format(shape)}");
        var t = Empty(shape);
        data.CopyTo(t.Span);
        return t;
    }

    public static Tensor Scalar(float value) => FromArray(new[] { value }, Array.Empty<int>());

    /// <summary>Uniform in [low, high).</summary>
    public static Tensor Uniform(Rng rng, float low, float high, params int[] shape)
    {
        var t = Empty(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = low + (high - low) * (float)rng.NextDouble();
        return t;
    }

    /// <summary>Normal with the given mean and standard deviation.</summary>
    public static Tensor Normal(Rng rng, float mean, float std, params int[] shape)
    {
        var t = Empty(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = mean + std * (float)rng.NextNormal();
        return t;
    }

    public static Tensor Randn(Rng rng, params int[] shape) => Normal(rng, 0f, 1f, shape);

    public static Tensor Arange(int n)
    {
        var t = Empty(n);
        var s = t.Span;
        for (int i = 0; i < n; i++) s[i] = i;
        return t;
    }

    // ---------------------------------------------------------------- element access

    /// <summary>The single value of a one-element tensor.</summary>
    public float Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item() needs one element, tensor has shape {ShapeUtil.Format(_shape)}");
        return Storage.Array[Offset];
    }

    /// <summary>A dense row-major copy of the values.</summary>
    public float[] ToArray()
    {
        var r = new float[Numel];
        CopyTo(r);
        return r;
    }

    /// <summary>Copies the values in row-major order into <paramref name="dst"/>.</summary>
    public void CopyTo(Span<float> dst)
    {
        if (IsContiguous) { Span.CopyTo(dst); return; }
        StridedCopy(Storage.Array, Offset, _shape, _strides, dst);
    }

    /// <summary>Value at a multi-index (slow; for tests and debugging).</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public float this[params int[] index]
    {
        get => Storage.Array[FlatIndex(index)];
        set => Storage.Array[FlatIndex(index)] = value;
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != Rank) throw new ArgumentException($"index of rank {index.Length} for tensor of rank {Rank}");
        int o = Offset;
        for (int i = 0; i < index.Length; i++)
        {
            int ix = index[i] < 0 ? index[i] + _shape[i] : index[i];
            if ((uint)ix >= (uint)_shape[i]) throw new IndexOutOfRangeException($"index {index[i]} out of range for dim {i} of size {_shape[i]}");
            o += ix * _strides[i];
        }
        return o;
    }

    internal static void StridedCopy(float[] src, int offset, int[] shape, int[] strides, Span<float> dst)
    {
        int rank = shape.Length;
        if (rank == 0) { dst[0] = src[offset]; return; }
        int n = ShapeUtil.Numel(shape);
        if (n == 0) return;
        int inner = shape[rank - 1], innerStride = strides[rank - 1];
        Span<int> idx = stackalloc int[rank];
        int o = offset, w = 0;
        while (true)
        {
            if (innerStride == 1) { src.AsSpan(o, inner).CopyTo(dst.Slice(w, inner)); }
            else { int p = o; for (int j = 0; j < inner; j++, p += innerStride) dst[w + j] = src[p]; }
            w += inner;
            int d = rank - 2;
            for (; d >= 0; d--)
            {
                idx[d]++; o += strides[d];
                if (idx[d] < shape[d]) break;
                o -= idx[d] * strides[d]; idx[d] = 0;
            }
            if (d < 0) break;
        }
    }

    // ---------------------------------------------------------------- raw views (no autograd)

    internal Tensor ViewRaw(int[] shape)
    {
        shape = InferShape(shape, Numel);
        if (!IsContiguous) throw new InvalidOperationException("view needs a contiguous tensor");
        return new Tensor(Storage, shape, ShapeUtil.ContiguousStrides(shape), Offset);
    }

    internal static int[] InferShape(int[] shape, int numel)
    {
        int neg = -1; long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1) { if (neg >= 0) throw new ArgumentException("only one dimension can be -1"); neg = i; }
            else known *= shape[i];
        }
        var r = (int[])shape.Clone();
        if (neg >= 0)
        {
            if (known == 0 || numel % known != 0) throw new ArgumentException($"cannot reshape {numel} elements to {ShapeUtil.Format(shape)}");
            r[neg] = (int)(numel / known);
        }
        else if (known != numel) throw new ArgumentException($"cannot reshape {numel} elements to {ShapeUtil.Format(shape)}");
        return r;
    }

    internal Tensor TransposeRaw(int d0, int d1)
    {
        d0 = ShapeUtil.NormalizeDim(d0, Rank); d1 = ShapeUtil.NormalizeDim(d1, Rank);
        var sh = (int[])_shape.Clone(); var st = (int[])_strides.Clone();
        (sh[d0], sh[d1]) = (sh[d1], sh[d0]); (st[d0], st[d1]) = (st[d1], st[d0]);
        return new Tensor(Storage, sh, st, Offset);
    }

    internal Tensor PermuteRaw(int[] dims)
    {
        if (dims.Length != Rank) throw new ArgumentException($"permute needs {Rank} dims");
        var sh = new int[Rank]; var st = new int[Rank]; var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = ShapeUtil.NormalizeDim(dims[i], Rank);
            if (seen[d]) throw new ArgumentException("repeated dim in permute");
            seen[d] = true; sh[i] = _shape[d]; st[i] = _strides[d];
        }
        return new Tensor(Storage, sh, st, Offset);
    }

    internal Tensor NarrowRaw(int dim, int start, int length)
    {
        dim = ShapeUtil.NormalizeDim(dim, Rank);
        if (start < 0 || length < 0 || start + length > _shape[dim])
            throw new ArgumentOutOfRangeException(nameof(start), $"narrow({dim}, {start}, {length}) out of range for size {_shape[dim]}");
        var sh = (int[])_shape.Clone(); sh[dim] = length;
        return new Tensor(Storage, sh, (int[])_strides.Clone(), Offset + start * _strides[dim]);
    }

    internal Tensor UnsqueezeRaw(int dim)
    {
        dim = ShapeUtil.NormalizeDim(dim, Rank + 1);
        var sh = new List<int>(_shape); var st = new List<int>(_strides);
        int stride = dim < Rank ? _strides[dim] * _shape[dim] : 1;
        sh.Insert(dim, 1); st.Insert(dim, stride);
        return new Tensor(Storage, sh.ToArray(), st.ToArray(), Offset);
    }

    /// <summary>Broadcast view to <paramref name="shape"/>; -1 keeps the size of an existing dimension (as PyTorch).</summary>
    internal Tensor ExpandRaw(int[] shape)
    {
        int off = shape.Length - Rank;
        if (off < 0) throw new ArgumentException($"cannot expand {ShapeUtil.Format(_shape)} to fewer dimensions {ShapeUtil.Format(shape)}");
        var target = (int[])shape.Clone();
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1)
            {
                if (i < off) throw new ArgumentException($"expand: -1 is not allowed for the new leading dimension {i} in {ShapeUtil.Format(shape)}");
                target[i] = _shape[i - off];
            }
            if (target[i] < 0 || (i >= off && _shape[i - off] != 1 && _shape[i - off] != target[i]))
                throw new ArgumentException($"cannot expand {ShapeUtil.Format(_shape)} to {ShapeUtil.Format(shape)}");
        }
        var st = ShapeUtil.BroadcastStrides(_shape, _strides, target);
        return new Tensor(Storage, target, st, Offset);
    }

    /// <summary>A contiguous copy (or this tensor when already contiguous); no autograd.</summary>
    internal Tensor ContiguousRaw()
    {
        if (IsContiguous) return this;
        var t = Empty(_shape);
        CopyTo(t.Span);
        return t;
    }

    /// <summary>Copies values from <paramref name="src"/> (same number of elements) into this tensor in place.</summary>
    public void CopyFrom(Tensor src)
    {
        if (src.Numel != Numel) throw new ArgumentException($"copy of {ShapeUtil.Format(src.Shape)} into {ShapeUtil.Format(_shape)}");
        if (IsContiguous) { src.CopyTo(Span); return; }
        var tmp = src.ToArray();
        int i = 0;
        ForEachOffset(o => Storage.Array[o] = tmp[i++]);
    }

    internal void ForEachOffset(Action<int> f)
    {
        int rank = Rank;
        if (Numel == 0) return;
        if (rank == 0) { f(Offset); return; }
        var idx = new int[rank];
        int o = Offset;
        while (true)
        {
            f(o);
            int d = rank - 1;
            for (; d >= 0; d--)
            {
                idx[d]++; o += _strides[d];
                if (idx[d] < _shape[d]) break;
                o -= idx[d] * _strides[d]; idx[d] = 0;
            }
            if (d < 0) break;
        }
    }

    /// <summary>True when all values are within tolerance of <paramref name="other"/> (same shape).</summary>
    public bool AllClose(Tensor other, float rtol = 1e-5f, float atol = 1e-8f)
    {
        if (!ShapeUtil.SameShape(_shape, other._shape)) return false;
        var a = ToArray(); var b = other.ToArray();
        for (int i = 0; i < a.Length; i++)
            if (!(Math.Abs(a[i] - b[i]) <= atol + rtol * Math.Abs(b[i]))) return false;
        return true;
    }

    /// <summary>True if any value is NaN or infinite.</summary>
    public bool HasNonFinite()
    {
        var c = ContiguousRaw().Span;
        foreach (var v in c) if (!float.IsFinite(v)) return true;
        return false;
    }

    /// <summary>Sum of all values as double (no autograd), for metrics and tests.</summary>
    public double SumAsDouble()
    {
        double s = 0;
        foreach (var v in ContiguousRaw().Span) s += v;
        return s;
    }
}
