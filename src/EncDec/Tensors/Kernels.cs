using System.Numerics;
using System.Runtime.CompilerServices;

namespace EncDec.Tensors;

/// <summary>An elementwise binary operation with scalar and vectorised forms.</summary>
internal interface IBinaryOp
{
    static abstract float Apply(float a, float b);
    static abstract void Vec(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o);
    static abstract void VecScalar(ReadOnlySpan<float> a, float b, Span<float> o);
    static abstract void ScalarVec(float a, ReadOnlySpan<float> b, Span<float> o);
}

internal struct AddOp : IBinaryOp
{
    public static float Apply(float a, float b) => a + b;
    public static void Vec(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Add(a, b, o);
    public static void VecScalar(ReadOnlySpan<float> a, float b, Span<float> o) => TensorPrimitives.Add(a, b, o);
    public static void ScalarVec(float a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Add(b, a, o);
}

internal struct SubOp : IBinaryOp
{
    public static float Apply(float a, float b) => a - b;
    public static void Vec(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Subtract(a, b, o);
    public static void VecScalar(ReadOnlySpan<float> a, float b, Span<float> o) => TensorPrimitives.Subtract(a, b, o);
    public static void ScalarVec(float a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Subtract(a, b, o);
}

internal struct MulOp : IBinaryOp
{
    public static float Apply(float a, float b) => a * b;
    public static void Vec(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Multiply(a, b, o);
    public static void VecScalar(ReadOnlySpan<float> a, float b, Span<float> o) => TensorPrimitives.Multiply(a, b, o);
    public static void ScalarVec(float a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Multiply(b, a, o);
}

internal struct DivOp : IBinaryOp
{
    public static float Apply(float a, float b) => a / b;
    public static void Vec(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Divide(a, b, o);
    public static void VecScalar(ReadOnlySpan<float> a, float b, Span<float> o) => TensorPrimitives.Divide(a, b, o);
    public static void ScalarVec(float a, ReadOnlySpan<float> b, Span<float> o) => TensorPrimitives.Divide(a, b, o);
}

/// <summary>Raw (non-differentiable) kernels shared by the autograd ops.</summary>
public static class Kernels
{
    /// <summary>Broadcasting elementwise binary op into a new contiguous tensor.</summary>
    internal static Tensor Binary<TOp>(Tensor a, Tensor b) where TOp : struct, IBinaryOp
    {
        var shape = ShapeUtil.Broadcast(a.Shape, b.Shape);
        var res = Tensor.Empty(shape);
        BinaryInto<TOp>(a, b, res);
        return res;
    }

    /// <summary>Broadcasting elementwise binary op written into contiguous <paramref name="res"/> (may alias a).</summary>
    internal static void BinaryInto<TOp>(Tensor a, Tensor b, Tensor res) where TOp : struct, IBinaryOp
    {
        var shape = res.Shape;
        var o = res.Span;
        if (a.IsContiguous && b.IsContiguous)
        {
            bool aFull = a.Numel == res.Numel, bFull = b.Numel == res.Numel;
            if (aFull && bFull)
            {
                Par.For(o.Length, 1, (s, e) => TOp.Vec(a.Span[s..e], b.Span[s..e], res.Span[s..e]));
                return;
            }
            if (aFull && b.Numel == 1)
            {
                float bv = b.Span[0];
                Par.For(o.Length, 1, (s, e) => TOp.VecScalar(a.Span[s..e], bv, res.Span[s..e]));
                return;
            }
            if (bFull && a.Numel == 1)
            {
                float av = a.Span[0];
                Par.For(o.Length, 1, (s, e) => TOp.ScalarVec(av, b.Span[s..e], res.Span[s..e]));
                return;
            }
            if (aFull && b.Numel > 0 && IsSuffixBroadcast(b.Shape, shape))
            {
                int n = b.Numel;
                Par.For(o.Length / n, n, (s, e) =>
                {
                    var bs = b.Span; var asp = a.Span; var os = res.Span;
                    for (int r = s * n; r < e * n; r += n) TOp.Vec(asp.Slice(r, n), bs, os.Slice(r, n));
                });
                return;
            }
            if (bFull && a.Numel > 0 && IsSuffixBroadcast(a.Shape, shape))
            {
                int n = a.Numel;
                Par.For(o.Length / n, n, (s, e) =>
                {
                    var asp = a.Span; var bs = b.Span; var os = res.Span;
                    for (int r = s * n; r < e * n; r += n) TOp.Vec(asp, bs.Slice(r, n), os.Slice(r, n));
                });
                return;
            }
        }
        GeneralBinary<TOp>(a, b, res);
    }

    /// <summary>True when <paramref name="small"/> (leading 1s dropped) equals the trailing dims of <paramref name="full"/>.</summary>
    private static bool IsSuffixBroadcast(int[] small, int[] full)
    {
        int i = 0;
        while (i < small.Length && small[i] == 1) i++;
        int len = small.Length - i;
        if (len > full.Length) return false;
        for (int j = 0; j < len; j++) if (small[i + j] != full[full.Length - len + j]) return false;
        return true;
    }

    private static void GeneralBinary<TOp>(Tensor a, Tensor b, Tensor res) where TOp : struct, IBinaryOp
    {
        var shape = res.Shape;
        int rank = shape.Length;
        var o = res.Span;
        if (res.Numel == 0) return;
        if (rank == 0) { o[0] = TOp.Apply(a.Storage.Array[a.Offset], b.Storage.Array[b.Offset]); return; }
        var sa = ShapeUtil.BroadcastStrides(a.Shape, a.Strides, shape);
        var sb = ShapeUtil.BroadcastStrides(b.Shape, b.Strides, shape);
        var da = a.Storage.Array; var db = b.Storage.Array;
        int inner = shape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1];
        var idx = new int[rank];
        int pa = a.Offset, pb = b.Offset, w = 0;
        while (true)
        {
            if (ia == 1 && ib == 1) TOp.Vec(da.AsSpan(pa, inner), db.AsSpan(pb, inner), o.Slice(w, inner));
            else if (ia == 1 && ib == 0) TOp.VecScalar(da.AsSpan(pa, inner), db[pb], o.Slice(w, inner));
            else if (ia == 0 && ib == 1) TOp.ScalarVec(da[pa], db.AsSpan(pb, inner), o.Slice(w, inner));
            else
            {
                int qa = pa, qb = pb;
                for (int j = 0; j < inner; j++, qa += ia, qb += ib) o[w + j] = TOp.Apply(da[qa], db[qb]);
            }
            w += inner;
            int d = rank - 2;
            for (; d >= 0; d--)
            {
                idx[d]++; pa += sa[d]; pb += sb[d];
                if (idx[d] < shape[d]) break;
                pa -= idx[d] * sa[d]; pb -= idx[d] * sb[d]; idx[d] = 0;
            }
            if (d < 0) break;
        }
    }

    /// <summary>Sums <paramref name="g"/> over broadcast dimensions so the result has <paramref name="shape"/>.</summary>
    public static Tensor SumToShape(Tensor g, int[] shape)
    {
        if (ShapeUtil.SameShape(g.Shape, shape)) return g;
        var res = Tensor.Zeros(shape);
        if (res.Numel == 0 || g.Numel == 0) return res;
        var gc = g.ContiguousRaw();
        var gs = gc.Span;
        var r = res.Span;
        if (IsSuffixBroadcast(shape, g.Shape))
        {
            int n = res.Numel;
            for (int p = 0; p < gs.Length; p += n) TensorPrimitives.Add(r, gs.Slice(p, n), r);
            return res;
        }
        if (res.Numel == 1) { r[0] = TensorPrimitives.Sum(gs); return res; }
        // General: walk g, adding into res with broadcast (0) strides.
        var gshape = g.Shape; int rank = gshape.Length;
        var rs = ShapeUtil.BroadcastStrides(shape, ShapeUtil.ContiguousStrides(shape), gshape);
        var idx = new int[rank];
        int pr = 0;
        int inner = gshape[rank - 1], ir = rs[rank - 1];
        for (int w = 0; w < gs.Length; w += inner)
        {
            if (ir == 1) TensorPrimitives.Add(r.Slice(pr, inner), gs.Slice(w, inner), r.Slice(pr, inner));
            else if (ir == 0) r[pr] += TensorPrimitives.Sum(gs.Slice(w, inner));
            else for (int j = 0; j < inner; j++) r[pr + j * ir] += gs[w + j];
            for (int d = rank - 2; d >= 0; d--)
            {
                idx[d]++; pr += rs[d];
                if (idx[d] < gshape[d]) break;
                pr -= idx[d] * rs[d]; idx[d] = 0;
            }
        }
        return res;
    }

    /// <summary>dst = mask != 0 ? value : x, elementwise (vectorised).</summary>
    internal static void FillWhereNonZero(ReadOnlySpan<float> mask, ReadOnlySpan<float> x, float value, Span<float> dst)
    {
        int i = 0, n = dst.Length;
        if (Vector.IsHardwareAccelerated)
        {
            var fill = new Vector<float>(value);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var keep = Vector.Equals<float>(new Vector<float>(mask.Slice(i)), Vector<float>.Zero);
                Vector.ConditionalSelect(keep, new Vector<float>(x.Slice(i)), fill).CopyTo(dst.Slice(i));
            }
        }
        for (; i < n; i++) dst[i] = mask[i] != 0 ? value : x[i];
    }

    /// <summary>dst = y > 0 ? g : 0, elementwise (the ReLU backward; vectorised).</summary>
    internal static void PassWherePositive(ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> dst)
    {
        int i = 0, n = dst.Length;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var pos = Vector.GreaterThan<float>(new Vector<float>(y.Slice(i)), Vector<float>.Zero);
                Vector.ConditionalSelect(pos, new Vector<float>(g.Slice(i)), Vector<float>.Zero).CopyTo(dst.Slice(i));
            }
        }
        for (; i < n; i++) dst[i] = y[i] > 0 ? g[i] : 0f;
    }

    /// <summary>
    /// A contiguous tensor whose values, repeated, give <paramref name="t"/> broadcast to <paramref name="shape"/>:
    /// <paramref name="t"/> itself when it is contiguous and matches the trailing dims (no copy), else the
    /// expanded copy.
    /// </summary>
    internal static Tensor BroadcastPeriodic(Tensor t, int[] shape)
    {
        if (t.IsContiguous && t.Numel > 0 && t.Rank <= shape.Length && IsSuffixBroadcast(t.Shape, shape)) return t;
        return t.ExpandRaw(shape).ContiguousRaw();
    }

    /// <summary>dst[view] += src (row-major) for a strided view (offset, shape, strides) of <paramref name="dst"/>.</summary>
    internal static void StridedAdd(float[] dst, int offset, int[] shape, int[] strides, ReadOnlySpan<float> src)
    {
        int rank = shape.Length;
        if (rank == 0) { dst[offset] += src[0]; return; }
        if (ShapeUtil.Numel(shape) == 0) return;
        int inner = shape[rank - 1], innerStride = strides[rank - 1];
        Span<int> idx = stackalloc int[rank];
        int o = offset, r = 0;
        while (true)
        {
            if (innerStride == 1) { var d = dst.AsSpan(o, inner); TensorPrimitives.Add(d, src.Slice(r, inner), d); }
            else { int p = o; for (int j = 0; j < inner; j++, p += innerStride) dst[p] += src[r + j]; }
            r += inner;
            int k = rank - 2;
            for (; k >= 0; k--)
            {
                idx[k]++; o += strides[k];
                if (idx[k] < shape[k]) break;
                o -= idx[k] * strides[k]; idx[k] = 0;
            }
            if (k < 0) break;
        }
    }

    /// <summary>Sizes (outer, n, inner) of a contiguous shape split around <paramref name="dim"/>.</summary>
    internal static (int outer, int n, int inner) Split3(int[] shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[dim], inner);
    }

    /// <summary>Sum over one dimension (contiguous input).</summary>
    internal static Tensor SumDim(Tensor x, int dim, bool keepDim)
    {
        x = x.ContiguousRaw();
        var (outer, n, inner) = Split3(x.Shape, dim);
        var outShape = ReducedShape(x.Shape, dim, keepDim);
        var res = Tensor.Zeros(outShape);
        var xs = x.Span; var r = res.Span;
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1) r[o] = TensorPrimitives.Sum(xs.Slice(o * n, n));
            else
            {
                var acc = r.Slice(o * inner, inner);
                for (int j = 0; j < n; j++) TensorPrimitives.Add(acc, xs.Slice((o * n + j) * inner, inner), acc);
            }
        }
        return res;
    }

    internal static int[] ReducedShape(int[] shape, int dim, bool keepDim)
    {
        var l = new List<int>(shape);
        if (keepDim) l[dim] = 1; else l.RemoveAt(dim);
        return l.ToArray();
    }

    /// <summary>Row-wise softmax of a contiguous (rows, n) buffer.</summary>
    internal static void SoftmaxRows(ReadOnlySpan<float> x, Span<float> y, int n)
    {
        for (int p = 0; p < x.Length; p += n)
        {
            var xr = x.Slice(p, n); var yr = y.Slice(p, n);
            float max = TensorPrimitives.Max(xr);
            if (float.IsNegativeInfinity(max)) { yr.Fill(float.NaN); continue; } // fully masked row
            TensorPrimitives.Subtract(xr, max, yr);
            TensorPrimitives.Exp(yr, yr);
            float s = TensorPrimitives.Sum(yr);
            TensorPrimitives.Multiply(yr, 1f / s, yr);
        }
    }

    /// <summary>Row-wise log-softmax of a contiguous (rows, n) buffer.</summary>
    internal static void LogSoftmaxRows(ReadOnlySpan<float> x, Span<float> y, int n)
    {
        for (int p = 0; p < x.Length; p += n)
        {
            var xr = x.Slice(p, n); var yr = y.Slice(p, n);
            float max = TensorPrimitives.Max(xr);
            TensorPrimitives.Subtract(xr, max, yr);
            TensorPrimitives.Exp(yr, yr);
            float lse = max + MathF.Log(TensorPrimitives.Sum(yr));
            TensorPrimitives.Subtract(xr, lse, yr);
        }
    }

    /// <summary>erf(x) in double precision (W. J. Cody's rational approximations, relative error ~1e-15 in double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax < 0.5)
        {
            // erf(x) = x * P(x^2)/Q(x^2)
            double t = x * x;
            double top = ((((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t + 377.485237685302021) * t + 3209.37758913846947);
            double bot = ((((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t + 2844.23683343917062);
            return x * top / bot;
        }
        double erfc = Erfc(ax);
        return x > 0 ? 1 - erfc : erfc - 1;
    }

    /// <summary>erfc(x) for x ≥ 0.5 (Cody), and via erf otherwise.</summary>
    public static double Erfc(double x)
    {
        if (x < 0.5) return 1 - Erf(x);
        double r;
        if (x <= 4)
        {
            double top = ((((((((2.15311535474403846e-8 * x + 5.64188496988670089e-1) * x + 8.88314979438837594) * x + 6.61191906371416295e1) * x + 2.98635138197400131e2) * x + 8.81952221241769090e2) * x + 1.71204761263407058e3) * x + 2.05107837782607147e3) * x + 1.23033935479799725e3);
            double bot = (((((((x + 1.57449261107098347e1) * x + 1.17693950891312499e2) * x + 5.37181101862009858e2) * x + 1.62138957456669019e3) * x + 3.29079923573345963e3) * x + 4.36261909014324716e3) * x + 3.43936767414372164e3) * x + 1.23033935480374942e3;
            r = top / bot;
        }
        else
        {
            if (x > 27) return 0;
            double z = 1 / (x * x);
            double top = ((((1.63153871373020978e-2 * z + 3.05326634961232344e-1) * z + 3.60344899949804439e-1) * z + 1.25781726111229246e-1) * z + 1.60837851487422766e-2) * z + 6.58749161529837803e-4;
            double bot = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 5.27905102951428412e-1) * z + 6.05183413124413191e-2) * z + 2.33520497626869185e-3;
            r = (0.56418958354775628695 - z * top / bot) / x;
        }
        return Math.Exp(-x * x) * r;
    }
}
