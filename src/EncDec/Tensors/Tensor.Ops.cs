
namespace EncDec.Tensors;

// Differentiable elementwise, unary, view and reduction operations. Each records one node whose
// backward closure accumulates into its inputs; composite operations are built from these.
public sealed partial class Tensor
{
    // ------------------------------------------------------------ binary (broadcasting)

    public Tensor Add(Tensor other)
    {
        var r = Kernels.Binary<AddOp>(this, other);
        if (!NeedsGrad(this, other)) return r;
        var a = this; var b = other;
        return r.WithGrad("Add", new[] { a, b }, g => { a.PassGrad(g); b.AccumulateGrad(g); }, SavedValues.None);
    }

    public Tensor Sub(Tensor other)
    {
        var r = Kernels.Binary<SubOp>(this, other);
        if (!NeedsGrad(this, other)) return r;
        var a = this; var b = other;
        return r.WithGrad("Sub", new[] { a, b }, g =>
        {
            if (b.RequiresGrad) b.AccumulateGrad(g.NegRaw(), owned: true);
            a.PassGrad(g);
        }, SavedValues.None);
    }

    public Tensor Mul(Tensor other)
    {
        var r = Kernels.Binary<MulOp>(this, other);
        if (!NeedsGrad(this, other)) return r;
        var a = this; var b = other;
        return r.WithGrad("Mul", new[] { a, b }, g =>
        {
            if (a.RequiresGrad) a.AccumulateGrad(Kernels.Binary<MulOp>(g, b), owned: true);
            if (b.RequiresGrad) b.AccumulateGrad(Kernels.Binary<MulOp>(g, a), owned: true);
        });
    }

    public Tensor Div(Tensor other)
    {
        var r = Kernels.Binary<DivOp>(this, other);
        if (!NeedsGrad(this, other)) return r;
        var a = this; var b = other;
        return r.WithGrad("Div", new[] { a, b }, g =>
        {
            if (a.RequiresGrad) a.AccumulateGrad(Kernels.Binary<DivOp>(g, b), owned: true);
            if (b.RequiresGrad)
            {
                // d(a/b)/db = -a/b^2 = -r/b
                var t = Kernels.Binary<DivOp>(Kernels.Binary<MulOp>(g, r), b);
                b.AccumulateGrad(t.NegRaw(), owned: true);
            }
        });
    }

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator -(Tensor a) => a.Neg();
    public static Tensor operator +(Tensor a, float s) => a.AddScalar(s);
    public static Tensor operator +(float s, Tensor a) => a.AddScalar(s);
    public static Tensor operator -(Tensor a, float s) => a.AddScalar(-s);
    public static Tensor operator -(float s, Tensor a) => a.Neg().AddScalar(s);
    public static Tensor operator *(Tensor a, float s) => a.MulScalar(s);
    public static Tensor operator *(float s, Tensor a) => a.MulScalar(s);
    public static Tensor operator /(Tensor a, float s) => a.MulScalar(1f / s);

    // ------------------------------------------------------------ unary

    private delegate void SpanMap(ReadOnlySpan<float> x, Span<float> y);

    private Tensor MapRaw(SpanMap f)
    {
        var x = ContiguousRaw();
        var r = Empty(_shape);
        Par.For(Numel, 1, (s, e) => f(x.Span[s..e], r.Span[s..e]));
        return r;
    }

    internal Tensor NegRaw() => MapRaw((x, y) => TensorPrimitives.Negate(x, y));

    public Tensor Neg()
    {
        var r = NegRaw();
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Neg", new[] { a }, g => a.AccumulateGrad(g.NegRaw(), owned: true), SavedValues.None);
    }

    public Tensor AddScalar(float s)
    {
        var r = MapRaw((x, y) => TensorPrimitives.Add(x, s, y));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("AddScalar", new[] { a }, g => a.PassGrad(g), SavedValues.None);
    }

    public Tensor MulScalar(float s)
    {
        var r = MapRaw((x, y) => TensorPrimitives.Multiply(x, s, y));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("MulScalar", new[] { a }, g => a.AccumulateGrad(g.MapRaw((x, y) => TensorPrimitives.Multiply(x, s, y)), owned: true), SavedValues.None);
    }

    public Tensor Exp()
    {
        var r = MapRaw((x, y) => TensorPrimitives.Exp(x, y));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Exp", new[] { a }, g => a.AccumulateGrad(Kernels.Binary<MulOp>(g, r), owned: true));
    }

    public Tensor Log()
    {
        var r = MapRaw((x, y) => TensorPrimitives.Log(x, y));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Log", new[] { a }, g => a.AccumulateGrad(Kernels.Binary<DivOp>(g, a), owned: true));
    }

    public Tensor Sqrt()
    {
        var r = MapRaw((x, y) => TensorPrimitives.Sqrt(x, y));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Sqrt", new[] { a }, g =>
        {
            var t = Kernels.Binary<DivOp>(g, r);
            a.AccumulateGrad(t.MapRaw((x, y) => TensorPrimitives.Multiply(x, 0.5f, y)), owned: true);
        });
    }

    /// <summary>Elementwise power with a scalar exponent.</summary>
    public Tensor Pow(float p)
    {
        var r = MapRaw((x, y) => TensorPrimitives.Pow(x, p, y));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Pow", new[] { a }, g =>
        {
            var d = a.MapRaw((x, y) => { TensorPrimitives.Pow(x, p - 1, y); TensorPrimitives.Multiply(y, p, y); });
            a.AccumulateGrad(Kernels.Binary<MulOp>(g, d), owned: true);
        });
    }

    public Tensor Tanh()
    {
        var r = MapRaw((x, y) => TensorPrimitives.Tanh(x, y));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Tanh", new[] { a }, g =>
        {
            // (1 - y^2) * g
            var d = r.MapRaw((y, o) => { TensorPrimitives.Multiply(y, y, o); TensorPrimitives.Subtract(1f, o, o); });
            a.AccumulateGrad(Kernels.Binary<MulOp>(g, d), owned: true);
        });
    }

    public Tensor Sigmoid()
    {
        var r = MapRaw((x, y) => TensorPrimitives.Sigmoid(x, y));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Sigmoid", new[] { a }, g =>
        {
            var d = r.MapRaw((y, o) => { TensorPrimitives.Subtract(1f, y, o); TensorPrimitives.Multiply(o, y, o); });
            a.AccumulateGrad(Kernels.Binary<MulOp>(g, d), owned: true);
        });
    }

    public Tensor Relu()
    {
        var r = MapRaw((x, y) => TensorPrimitives.Max(x, 0f, y));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Relu", new[] { a }, g =>
        {
            var d = Empty(a._shape);
            Kernels.PassWherePositive(r.Span, g.Span, d.Span);                          // g where y > 0
            a.AccumulateGrad(d, owned: true);
        }, SavedValues.Output);
    }

    /// <summary>GELU: exact erf form (PyTorch's default) or the tanh approximation.</summary>
    public Tensor Gelu(bool tanhApproximation = false)
    {
        var x = ContiguousRaw();
        var r = Empty(_shape);
        var xs = x.Span; var rs = r.Span;
        const double invSqrt2 = 0.70710678118654752440;
        const double sqrt2OverPi = 0.79788456080286535588;
        if (!tanhApproximation)
            for (int i = 0; i < xs.Length; i++) { double v = xs[i]; rs[i] = (float)(0.5 * v * Kernels.Erfc(-v * invSqrt2)); }
        else
            for (int i = 0; i < xs.Length; i++) { double v = xs[i]; rs[i] = (float)(0.5 * v * (1 + Math.Tanh(sqrt2OverPi * (v + 0.044715 * v * v * v)))); }
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Gelu", new[] { a }, g =>
        {
            var gs = g.Span; var d = Empty(a._shape); var ds = d.Span; var xv = x.Span;
            for (int i = 0; i < xv.Length; i++)
            {
                double v = xv[i], dv;
                if (!tanhApproximation)
                    dv = 0.5 * Kernels.Erfc(-v * invSqrt2) + v * Math.Exp(-0.5 * v * v) * 0.39894228040143267794;
                else
                {
                    double u = sqrt2OverPi * (v + 0.044715 * v * v * v);
                    double th = Math.Tanh(u);
                    dv = 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * sqrt2OverPi * (1 + 3 * 0.044715 * v * v);
                }
                ds[i] = (float)(gs[i] * dv);
            }
            a.AccumulateGrad(d, owned: true);
        });
    }

    // ------------------------------------------------------------ views and shape

    /// <summary>Reshape (a view when contiguous, else a copy).</summary>
    public Tensor Reshape(params int[] shape)
    {
        var src = this;
        var c = IsContiguous ? this : Contiguous();
        var r = c.ViewRaw(shape);
        if (!NeedsGrad(c)) return r;
        var inShape = c._shape;
        return r.WithGrad("Reshape", new[] { c }, g => c.PassGrad(g.ViewRaw(inShape)), SavedValues.None);
    }

    public Tensor View(params int[] shape) => Reshape(shape);

    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        startDim = ShapeUtil.NormalizeDim(startDim, Rank); endDim = ShapeUtil.NormalizeDim(endDim, Rank);
        var l = new List<int>();
        for (int i = 0; i < startDim; i++) l.Add(_shape[i]);
        int p = 1; for (int i = startDim; i <= endDim; i++) p *= _shape[i];
        l.Add(p);
        for (int i = endDim + 1; i < Rank; i++) l.Add(_shape[i]);
        return Reshape(l.ToArray());
    }

    /// <summary>A dense row-major tensor (this one when already contiguous).</summary>
    public Tensor Contiguous()
    {
        if (IsContiguous) return this;
        var r = ContiguousRaw();
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Contiguous", new[] { a }, g => a.PassGrad(g), SavedValues.None);
    }

    public Tensor Transpose(int dim0, int dim1)
    {
        var r = TransposeRaw(dim0, dim1);
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Transpose", new[] { a }, g => AccumulateCopy(a, g.TransposeRaw(dim0, dim1)), SavedValues.None);
    }

    /// <summary>Transpose of the last two dimensions.</summary>
    public Tensor T => Transpose(-2, -1);

    public Tensor Permute(params int[] dims)
    {
        var r = PermuteRaw(dims);
        if (!NeedsGrad(this)) return r;
        var a = this;
        var inv = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) inv[ShapeUtil.NormalizeDim(dims[i], Rank)] = i;
        return r.WithGrad("Permute", new[] { a }, g => AccumulateCopy(a, g.PermuteRaw(inv)), SavedValues.None);
    }

    /// <summary>Slice <paramref name="length"/> elements of <paramref name="dim"/> starting at <paramref name="start"/> (a view).</summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        var r = NarrowRaw(dim, start, length);
        if (!NeedsGrad(this)) return r;
        var a = this;
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        return r.WithGrad("Narrow", new[] { a }, g =>
        {
            var sink = a.GradSink();
            var view = sink.NarrowRaw(d, start, length);
            AddInto(view, g);
        });
    }

    /// <summary>Selects index <paramref name="index"/> of <paramref name="dim"/>, removing that dimension.</summary>
    public Tensor Select(int dim, int index)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        if (index < 0) index += _shape[d];
        return Narrow(d, index, 1).Squeeze(d);
    }

    public Tensor Unsqueeze(int dim)
    {
        var r = UnsqueezeRaw(dim);
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Unsqueeze", new[] { a }, g => a.PassGrad(g.ViewRaw(a._shape)), SavedValues.None);
    }

    public Tensor Squeeze(int dim)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        if (_shape[d] != 1) return this;
        var sh = new List<int>(_shape); var st = new List<int>(_strides);
        sh.RemoveAt(d); st.RemoveAt(d);
        var r = new Tensor(Storage, sh.ToArray(), st.ToArray(), Offset);
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Squeeze", new[] { a }, g => a.PassGrad(g.ViewRaw(a._shape)), SavedValues.None);
    }

    /// <summary>Broadcast view to <paramref name="shape"/> (no copy; -1 keeps a dimension's size); the gradient is summed back.</summary>
    public Tensor Expand(params int[] shape)
    {
        var r = ExpandRaw(shape);
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Expand", new[] { a }, g => a.AccumulateGrad(Kernels.SumToShape(g, a._shape), owned: !ShapeUtil.SameShape(g.Shape, a._shape)));
    }

    /// <summary>dst += src elementwise, for any (possibly strided) dst view of the same shape.</summary>
    internal static void AddInto(Tensor dst, Tensor src)
    {
        if (dst.IsContiguous) { var d = dst.Span; TensorPrimitives.Add(d, src.ContiguousRaw().Span, d); return; }
        Kernels.StridedAdd(dst.Storage.Array, dst.Offset, dst._shape, dst._strides, src.ContiguousRaw().Span);
    }

    /// <summary>Accumulates a view of an output gradient into <paramref name="a"/>, adopting the copy when one was made.</summary>
    private static void AccumulateCopy(Tensor a, Tensor view)
    {
        var c = view.ContiguousRaw();
        a.AccumulateGrad(c, owned: !ReferenceEquals(c, view));
    }

    // ------------------------------------------------------------ reductions

    /// <summary>Sum of all elements (a scalar tensor).</summary>
    public Tensor Sum()
    {
        var r = Scalar(TensorPrimitives.Sum(ContiguousRaw().Span));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Sum", new[] { a }, g => a.AccumulateGrad(Full(g.Item(), a._shape), owned: true));
    }

    public Tensor Mean() => Sum().MulScalar(1f / Math.Max(Numel, 1));

    /// <summary>Sum over the given dimensions (an empty list sums over all of them, as PyTorch).</summary>
    public Tensor Sum(int[] dims, bool keepDim = false)
    {
        if (dims.Length == 0) dims = Enumerable.Range(0, Rank).ToArray();
        var ds = dims.Select(d => ShapeUtil.NormalizeDim(d, Rank)).Distinct().OrderByDescending(d => d).ToArray();
        Tensor r = this.ContiguousRaw();
        foreach (var d in ds) r = Kernels.SumDim(r, d, keepDim: true);
        var keptShape = r.Shape;
        if (!keepDim)
        {
            var sh = new List<int>();
            for (int i = 0; i < Rank; i++) if (!ds.Contains(i)) sh.Add(_shape[i]);
            r = r.ViewRaw(sh.ToArray());
        }
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("SumDims", new[] { a }, g => a.AccumulateGrad(g.ViewRaw(keptShape).ExpandRaw(a._shape).ContiguousRaw(), owned: g.Numel != a.Numel));
    }

    public Tensor Sum(int dim, bool keepDim = false) => Sum(new[] { dim }, keepDim);

    public Tensor Mean(int[] dims, bool keepDim = false)
    {
        if (dims.Length == 0) dims = Enumerable.Range(0, Rank).ToArray();
        int n = 1;
        foreach (var d in dims.Select(d => ShapeUtil.NormalizeDim(d, Rank)).Distinct()) n *= _shape[d];
        return Sum(dims, keepDim).MulScalar(1f / Math.Max(n, 1));
    }

    public Tensor Mean(int dim, bool keepDim = false) => Mean(new[] { dim }, keepDim);

    /// <summary>Maximum over <paramref name="dim"/> and its indices; the gradient flows to the arg-max.</summary>
    public (Tensor Values, IndexTensor Indices) Max(int dim, bool keepDim = false)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        var x = ContiguousRaw();
        var (outer, n, inner) = Kernels.Split3(_shape, d);
        var outShape = Kernels.ReducedShape(_shape, d, keepDim);
        var r = Empty(outShape);
        var idx = new int[outer * inner];
        var xs = x.Span; var rs = r.Span;
        if (n == 0) throw new ArgumentException($"max over an empty dimension {d} of {ShapeUtil.Format(_shape)}");
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var row = xs.Slice(o * n, n);
                int best = FirstMaxIndex(row);
                rs[o] = row[best]; idx[o] = best;
            }
        }
        else
        {
            // walk rows of `inner` contiguous values; the first maximum (or first NaN) wins
            for (int o = 0; o < outer; o++)
            {
                var rv = rs.Slice(o * inner, inner); var ri = idx.AsSpan(o * inner, inner);
                xs.Slice(o * n * inner, inner).CopyTo(rv);
                ri.Clear();
                for (int j = 1; j < n; j++)
                {
                    var xr = xs.Slice((o * n + j) * inner, inner);
                    for (int i = 0; i < inner; i++)
                    {
                        float v = xr[i];
                        if (v > rv[i] || (float.IsNaN(v) && !float.IsNaN(rv[i]))) { rv[i] = v; ri[i] = j; }
                    }
                }
            }
        }
        var indices = new IndexTensor(idx, outShape.Length == 0 ? new[] { 1 } : outShape);
        if (!NeedsGrad(this)) return (r, indices);
        var a = this;
        r.WithGrad("Max", new[] { a }, g =>
        {
            var sink = a.GradSink().Span; var gs = g.Span;
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                    sink[(o * n + idx[o * inner + i]) * inner + i] += gs[o * inner + i];
        });
        return (r, indices);
    }

    /// <summary>Index of the first maximum of <paramref name="row"/> (the first NaN if any), vectorised.</summary>
    private static int FirstMaxIndex(ReadOnlySpan<float> row)
    {
        int best = TensorPrimitives.IndexOfMax(row);
        // IndexOfMax ranks +0 above -0; ties here are by value (first of equal values wins)
        float bv = row[best];
        if (bv == 0f && !float.IsNaN(bv)) for (int j = 0; j < best; j++) if (row[j] == 0f) return j;
        return best;
    }

    /// <summary>Indices of the maximum along <paramref name="dim"/> (no gradient).</summary>
    public IndexTensor ArgMax(int dim = -1)
    {
        using (GradMode.NoGrad()) return Max(dim).Indices;
    }

    // ------------------------------------------------------------ softmax family

    public Tensor Softmax(int dim = -1)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        if (d != Rank - 1) return Transpose(d, -1).Contiguous().Softmax(-1).Transpose(d, -1).Contiguous();
        var x = ContiguousRaw();
        var r = Empty(_shape);
        int n = _shape[^1];
        Par.For(Numel / Math.Max(n, 1), n, (s0, e0) => Kernels.SoftmaxRows(x.Span[(s0 * n)..(e0 * n)], r.Span[(s0 * n)..(e0 * n)], n));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("Softmax", new[] { a }, g =>
        {
            // dx = y * (dy - sum(dy * y))
            var gs = g.Span; var ys = r.Span; var dx = Empty(a._shape); var ds = dx.Span;
            for (int p = 0; p < ys.Length; p += n)
            {
                var yr = ys.Slice(p, n); var gr = gs.Slice(p, n); var dr = ds.Slice(p, n);
                float dot = TensorPrimitives.Dot(yr, gr);
                TensorPrimitives.Subtract(gr, dot, dr);
                TensorPrimitives.Multiply(dr, yr, dr);
            }
            a.AccumulateGrad(dx, owned: true);
        });
    }

    public Tensor LogSoftmax(int dim = -1)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank);
        if (d != Rank - 1) return Transpose(d, -1).Contiguous().LogSoftmax(-1).Transpose(d, -1).Contiguous();
        var x = ContiguousRaw();
        var r = Empty(_shape);
        int n = _shape[^1];
        Par.For(Numel / Math.Max(n, 1), n, (s0, e0) => Kernels.LogSoftmaxRows(x.Span[(s0 * n)..(e0 * n)], r.Span[(s0 * n)..(e0 * n)], n));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("LogSoftmax", new[] { a }, g =>
        {
            // dx = dy - softmax * sum(dy)
            var gs = g.Span; var ys = r.Span; var dx = Empty(a._shape); var ds = dx.Span;
            for (int p = 0; p < ys.Length; p += n)
            {
                var yr = ys.Slice(p, n); var gr = gs.Slice(p, n); var dr = ds.Slice(p, n);
                float s = TensorPrimitives.Sum(gr);
                TensorPrimitives.Exp(yr, dr);
                TensorPrimitives.Multiply(dr, -s, dr);
                TensorPrimitives.Add(dr, gr, dr);
            }
            a.AccumulateGrad(dx, owned: true);
        });
    }

    // ------------------------------------------------------------ matmul

    /// <summary>
    /// Matrix product with NumPy batching: (…, M, K) · (…, K, N). <paramref name="transA"/>/<paramref name="transB"/>
    /// use the transpose of the last two dims without copying (strided operands go straight to the GEMM).
    /// </summary>
    public Tensor MatMul(Tensor other, bool transA = false, bool transB = false)
    {
        var a = transA ? TransposeRaw(-2, -1) : this;
        var b = transB ? other.TransposeRaw(-2, -1) : other;
        var r = MatMulKernel.Forward(a, b);
        if (!NeedsGrad(this, other)) return r;
        var sa = this; var sb = other;
        return r.WithGrad("MatMul", new[] { sa, sb }, g =>
        {
            // C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC (computed on the logical operands a, b)
            if (sa.RequiresGrad)
            {
                var ga = MatMulKernel.Forward(g, b.TransposeRaw(-2, -1));
                if (transA) ga = ga.TransposeRaw(-2, -1);
                sa.AccumulateGrad(ga.ContiguousRaw());
            }
            if (sb.RequiresGrad)
            {
                Tensor gb;
                if (b.Rank == 2 && a.Rank > 2)
                {
                    // weight shared over the batch: one GEMM over the flattened rows
                    var a2 = a.ContiguousRaw().ViewRaw(new[] { -1, a._shape[^1] });
                    var g2 = g.ViewRaw(new[] { -1, g._shape[^1] });
                    gb = MatMulKernel.Forward(a2.TransposeRaw(0, 1), g2);
                }
                else gb = MatMulKernel.Forward(a.TransposeRaw(-2, -1), g);
                if (transB) gb = gb.TransposeRaw(-2, -1);
                sb.AccumulateGrad(gb.ContiguousRaw());
            }
        });
    }

    // ------------------------------------------------------------ masking

    /// <summary>Sets positions where <paramref name="mask"/> (broadcastable, nonzero = true) is set to <paramref name="value"/>.</summary>
    public Tensor MaskedFill(Tensor mask, float value)
    {
        if (!ShapeUtil.SameShape(ShapeUtil.Broadcast(mask.Shape, _shape), _shape))
            throw new ArgumentException($"mask {ShapeUtil.Format(mask.Shape)} does not broadcast to {ShapeUtil.Format(_shape)}");
        // a mask equal to the trailing dims (e.g. a (T, T) causal mask over (B, T, T)) repeats without a copy
        var m = Kernels.BroadcastPeriodic(mask, _shape);
        var x = ContiguousRaw();
        var r = Empty(_shape);
        var xs = x.Span; var ms = m.Span; var rs = r.Span; int period = ms.Length;
        for (int p = 0; p < rs.Length; p += period)
            Kernels.FillWhereNonZero(ms, xs.Slice(p, period), value, rs.Slice(p, period));
        if (!NeedsGrad(this)) return r;
        var a = this;
        return r.WithGrad("MaskedFill", new[] { a }, g =>
        {
            var gs = g.Span; var d = Empty(a._shape); var ds = d.Span; var mv = m.Span;
            for (int p = 0; p < ds.Length; p += period)
                Kernels.FillWhereNonZero(mv, gs.Slice(p, period), 0f, ds.Slice(p, period));
            a.AccumulateGrad(d, owned: true);
        });
    }
}
