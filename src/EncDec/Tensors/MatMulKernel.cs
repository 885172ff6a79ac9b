using EncDec.Tensors.Gemm;

namespace EncDec.Tensors;

/// <summary>
/// Maps tensor matrix products onto GEMM calls. Operands whose last two dimensions are row-major or
/// column-major (a transposed view) are passed to the GEMM as they are, with the transpose flag and
/// leading dimension read from their strides; batch dimensions are broadcast and collapsed to one stride.
/// </summary>
internal static unsafe class MatMulKernel
{
    /// <summary>Describes one operand as a GEMM sees it.</summary>
    private readonly record struct MatLayout(Tensor Src, bool Trans, int Ld, long BatchStride, int Offset);

    /// <summary>(…, M, K) · (…, K, N) → contiguous (…, M, N).</summary>
    public static Tensor Forward(Tensor a, Tensor b)
    {
        if (a.Rank < 2 || b.Rank < 2) throw new ArgumentException($"matmul needs matrices, got {ShapeUtil.Format(a.Shape)} and {ShapeUtil.Format(b.Shape)}");
        int m = a.Shape[^2], k = a.Shape[^1], n = b.Shape[^1];
        if (b.Shape[^2] != k) throw new ArgumentException($"matmul shapes {ShapeUtil.Format(a.Shape)} and {ShapeUtil.Format(b.Shape)} do not align");

        // Shared 2-D right operand and a left operand whose rows can be flattened: one big GEMM.
        if (b.Rank == 2 && a.Rank > 2 && RowsFlattenable(a))
        {
            var outShape = (int[])a.Shape.Clone(); outShape[^1] = n;
            var c = Tensor.Empty(outShape);
            int rows = a.Numel / Math.Max(k, 1);
            if (a.Numel == 0) rows = ShapeUtil.Numel(a.Shape[..^1]);
            var la = new MatLayout(a, false, RowLd(a, k), 0, a.Offset);
            var lb = Layout2D(b, out var bSrc);
            Gemm(la, lb, c, rows, n, k, 1, 0f);
            ReleaseCopy(bSrc, b);
            return c;
        }

        var batchA = a.Shape[..^2]; var batchB = b.Shape[..^2];
        var batch = ShapeUtil.Broadcast(batchA, batchB);
        int count = ShapeUtil.Numel(batch);
        var shapeOut = batch.Concat(new[] { m, n }).ToArray();
        var res = Tensor.Empty(shapeOut);
        if (res.Numel == 0) return res;
        if (k == 0) { res.Span.Clear(); return res; }
        if (batch.Length >= 2 && batch[0] > 1 && (NeedsCopy(a, batch, m, k) || NeedsCopy(b, batch, k, n)))
        {
            // Batch dimensions that do not collapse to one stride, e.g. heads split off a (B, T, H·Dh) projection as a
            // (B, H, T, Dh) view: one batched GEMM per index of the first dimension reads each operand in place instead
            // of copying it dense first (the same GEMMs, in the same order).
            var ea = Expanded(a, batch, m, k); var eb = Expanded(b, batch, k, n);
            var inner = (int[])batch.Clone(); inner[0] = 1;
            int per = count / batch[0];
            for (int i = 0; i < batch[0]; i++)
            {
                var ai = ea.NarrowRaw(0, i, 1); var bi = eb.NarrowRaw(0, i, 1);
                var la = BatchedLayout(ai, inner, m, k);
                var lb = BatchedLayout(bi, inner, k, n);
                Gemm(la, lb, res.NarrowRaw(0, i, 1), m, n, k, per, 0f);             // (1, …, M, K)·(1, …, K, N) → (1, …, M, N)
                ReleaseCopy(la.Src, ai);
                ReleaseCopy(lb.Src, bi);
            }
            return res;
        }
        var lA = BatchedLayout(a, batch, m, k);
        var lB = BatchedLayout(b, batch, k, n);
        Gemm(lA, lB, res, m, n, k, count, 0f);
        ReleaseCopy(lA.Src, a);
        ReleaseCopy(lB.Src, b);
        return res;
    }

    /// <summary>A dense copy the kernel made of an operand is dead once the GEMM has run: back to the pool now.</summary>
    private static void ReleaseCopy(Tensor used, Tensor operand)
    {
        if (!ReferenceEquals(used.Storage, operand.Storage)) used.Storage.ReleaseIfTracked();
    }

    private static bool RowsFlattenable(Tensor a)
    {
        if (a.Shape[^1] > 1 && a.Strides[^1] != 1) return false;
        // all dims but the last must collapse to one stride
        int expected = -1;
        for (int i = a.Rank - 2; i >= 0; i--)
        {
            if (a.Shape[i] == 1) continue;
            if (expected == -1) { expected = a.Strides[i] * a.Shape[i]; if (a.Strides[i] < a.Shape[^1]) return false; continue; }
            if (a.Strides[i] != expected) return false;
            expected = a.Strides[i] * a.Shape[i];
        }
        return true;
    }

    private static int RowLd(Tensor a, int k)
    {
        for (int i = a.Rank - 2; i >= 0; i--) if (a.Shape[i] != 1) return Math.Max(a.Strides[i], Math.Max(k, 1));
        return Math.Max(k, 1);
    }

    private static MatLayout Layout2D(Tensor t, out Tensor src)
    {
        src = t;
        if (TryMatrix(t, out bool trans, out int ld)) return new MatLayout(t, trans, ld, 0, t.Offset);
        src = t.ContiguousRaw();
        return new MatLayout(src, false, Math.Max(src.Shape[^1], 1), 0, src.Offset);
    }

    /// <summary>Reads GEMM transpose flag and leading dimension from the last two strides, when possible.</summary>
    private static bool TryMatrix(Tensor t, out bool trans, out int ld)
    {
        int rows = t.Shape[^2], cols = t.Shape[^1];
        int rs = t.Strides[^2], cs = t.Strides[^1];
        if (cols == 1 || cs == 1)
        {
            trans = false; ld = rows == 1 ? Math.Max(cols, 1) : rs;
            if (ld >= Math.Max(cols, 1)) return true;
        }
        if (rows == 1 || rs == 1)
        {
            trans = true; ld = cols == 1 ? Math.Max(rows, 1) : cs;
            if (ld >= Math.Max(rows, 1)) return true;
        }
        trans = false; ld = 0;
        return false;
    }

    /// <summary>The operand broadcast to (batch…, rows, cols) (itself when it has that shape already).</summary>
    private static Tensor Expanded(Tensor t, int[] batch, int rows, int cols)
    {
        var target = batch.Concat(new[] { rows, cols }).ToArray();
        return t.Rank == target.Length && ShapeUtil.SameShape(t.Shape, target) ? t : t.ExpandRaw(target);
    }

    /// <summary>Whether <see cref="BatchedLayout"/> would have to copy the operand.</summary>
    private static bool NeedsCopy(Tensor t, int[] batch, int rows, int cols)
    {
        var e = Expanded(t, batch, rows, cols);
        return !(TryMatrix(e, out _, out _) && TryBatchStride(e, out _));
    }

    private static MatLayout BatchedLayout(Tensor t, int[] batch, int rows, int cols)
    {
        var e = Expanded(t, batch, rows, cols);
        if (TryMatrix(e, out bool trans, out int ld) && TryBatchStride(e, out long bs))
            return new MatLayout(e, trans, ld, bs, e.Offset);
        long t0 = OpProfile.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        var c = e.ContiguousRaw();
        if (OpProfile.Enabled) OpProfile.NoteCopy(System.Diagnostics.Stopwatch.GetTimestamp() - t0);
        return new MatLayout(c, false, Math.Max(cols, 1), (long)rows * cols, c.Offset);
    }

    private static bool TryBatchStride(Tensor t, out long stride)
    {
        stride = 0;
        int nb = t.Rank - 2;
        long expected = -1;
        bool any = false;
        for (int i = nb - 1; i >= 0; i--)
        {
            if (t.Shape[i] == 1) continue;
            if (!any) { stride = t.Strides[i]; expected = (long)t.Strides[i] * t.Shape[i]; any = true; continue; }
            if (t.Strides[i] != expected) return false;
            expected = (long)t.Strides[i] * t.Shape[i];
        }
        return true;
    }

    private static void Gemm(MatLayout a, MatLayout b, Tensor c, int m, int n, int k, int batch, float beta)
    {
        if (m == 0 || n == 0) return;
        long t0 = OpProfile.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        var p = GemmProviders.Current;
        fixed (float* pa = a.Src.Storage.Array)
        fixed (float* pb = b.Src.Storage.Array)
        fixed (float* pc = c.Storage.Array)
        {
            float* ca = pc + c.Offset;
            if (k == 0) { new Span<float>(ca, c.Numel).Clear(); return; }
            if (batch == 1)
                p.Sgemm(a.Trans, b.Trans, m, n, k, 1f, pa + a.Offset, a.Ld, pb + b.Offset, b.Ld, beta, ca, n);
            else
                p.SgemmBatched(a.Trans, b.Trans, m, n, k, 1f, pa + a.Offset, a.Ld, a.BatchStride, pb + b.Offset, b.Ld, b.BatchStride,
                               beta, ca, n, (long)m * n, batch);
        }
        if (OpProfile.Enabled) OpProfile.NoteGemm(System.Diagnostics.Stopwatch.GetTimestamp() - t0, 2.0 * m * n * k * batch);
    }

    /// <summary>C (contiguous (M, N)) += or = op(A)·op(B) for 2-D operands; used by fused backward kernels.</summary>
    public static void Gemm2D(Tensor a, bool transA, Tensor b, bool transB, Tensor c, float beta)
    {
        var la = Layout2D(transA ? a.TransposeRaw(0, 1) : a, out _);
        var lb = Layout2D(transB ? b.TransposeRaw(0, 1) : b, out _);
        int m = c.Shape[0], n = c.Shape[1];
        int k = transA ? a.Shape[0] : a.Shape[1];
        if (!c.IsContiguous) throw new ArgumentException("GEMM output must be contiguous");
        Gemm(la, lb, c, m, n, k, 1, beta);
    }
}
