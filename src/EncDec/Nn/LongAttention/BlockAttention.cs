using EncDec.Tensors;
using EncDec.Tensors.Gemm;

namespace EncDec.Nn.LongAttention;

/// <summary>
/// Exact softmax attention computed over (query block × key block) tiles with an online (running max / sum)
/// softmax, never materialising the (Tq, Tk) score matrix: the forward keeps the output and one log-sum-exp per
/// query row; the backward recomputes each tile's probabilities from them (FlashAttention's scheme). Memory is
/// O(n·block) beyond q, k, v and their gradients. An <see cref="AttentionPattern"/> restricts the keys a query sees;
/// only tiles that hold allowed keys are visited, so a sliding window costs O(n·w).
/// Layout: q (B, H, Tq, Dh), k and v (B, H, Tk, Dh), unit stride along Dh (other strides free);
/// <c>mask</c> additive, broadcastable to (B, H, Tq, Tk), no gradient. A query with no visible key gets zeros.
/// </summary>
internal static unsafe class BlockAttention
{
    /// <summary>Tiles are small products run on the calling thread (the tiles themselves are spread over the cores):
    /// the managed kernel, since OpenBLAS called from several threads at once for such sizes mostly waits on its locks.</summary>
    private static readonly IGemmProvider Tile = GemmProviders.Managed;

    /// <summary>softmax(q·kᵀ·scale + mask | pattern)·v → contiguous (B, H, Tq, Dh), differentiable in q, k, v.</summary>
    public static Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor? mask, AttentionPattern pattern, int block, float? scale = null)
    {
        if (q.Rank != 4 || k.Rank != 4 || v.Rank != 4 || k.Shape[0] != q.Shape[0] || k.Shape[1] != q.Shape[1]
            || k.Shape[3] != q.Shape[3] || !ShapeUtil.SameShape(k.Shape, v.Shape))
            throw new ArgumentException($"attention shapes do not agree: q {ShapeUtil.Format(q.Shape)}, k {ShapeUtil.Format(k.Shape)}, v {ShapeUtil.Format(v.Shape)}");
        if (block <= 0) throw new ArgumentOutOfRangeException(nameof(block), "block size must be positive");
        var a = new Args(RowMajor(q), RowMajor(k), RowMajor(v), mask is null ? null : MaskView.Of(mask, q.Shape[0], q.Shape[1], q.Shape[2], k.Shape[2]),
                         pattern, block, scale ?? 1f / MathF.Sqrt(q.Shape[3]));
        var o = Tensor.Empty(a.B, a.H, a.Tq, a.Dh);
        var lse = new float[a.B * a.H * a.Tq];
        int qBlocks = a.QueryBlocks, units = a.B * a.H * qBlocks;
        Par.For(units, a.QBlock * a.KeysPerBlock * a.Dh / 4, (s, e) =>
        {
            var ws = new float[a.QBlock * block + a.QBlock * a.Dh];
            for (int u = s; u < e; u++) ForwardTile(a, u / qBlocks, u % qBlocks, o, lse, ws);
        });
        if (!Tensor.NeedsGrad(new[] { q, k, v })) return o;
        return o.WithGrad("BlockAttention", new[] { q, k, v }, g => Backward(a, q, k, v, o, lse, g));
    }

    /// <summary>An additive mask broadcast to (B, H, Tq, Tk) by strides alone (0 along broadcast dimensions). Not a
    /// <see cref="Tensor"/> view: B·H·Tq·Tk can exceed the element count a tensor may have (200 × 4 × 4,000² for a batch
    /// of long documents under a key padding mask of 200 × 4,000).</summary>
    private sealed record MaskView(float[] Array, int Offset, int[] Strides)
    {
        public static MaskView Of(Tensor mask, int b, int h, int tq, int tk)
        {
            int[] target = { b, h, tq, tk };
            if (mask.Rank > 4) throw new ArgumentException($"attention mask of shape {ShapeUtil.Format(mask.Shape)} has more than 4 dimensions");
            var st = new int[4];
            for (int i = 0, off = 4 - mask.Rank; i < 4; i++)
            {
                if (i < off) continue;                                        // a missing leading dimension: stride 0
                int n = mask.Shape[i - off];
                if (n != 1 && n != target[i])
                    throw new ArgumentException($"attention mask of shape {ShapeUtil.Format(mask.Shape)} does not broadcast to {ShapeUtil.Format(target)}");
                st[i] = n == 1 ? 0 : mask.Strides[i - off];
            }
            return new MaskView(mask.Storage.Array, mask.Offset, st);
        }
    }

    /// <summary>Q, K, V row-major per head; <paramref name="Mask"/> broadcast to (B, H, Tq, Tk) by its strides;
    /// <paramref name="Block"/>: the key tile width (and the query block of unwindowed patterns).</summary>
    private sealed record Args(Tensor Q, Tensor K, Tensor V, MaskView? Mask, AttentionPattern Pattern, int Block, float Scale)
    {
        /// <summary>Query rows per block: a sliding window's blocks are about w/2 rows, so a block's keys (its rows'
        /// windows together) are mostly visible ones rather than a whole key block each side.</summary>
        public int QBlock { get; } = Pattern.Window > 0 ? Math.Min(Block, Math.Max(8, Pattern.Window / 2)) : Block;
        /// <summary>Leading query rows that are global tokens (they see every key); they get blocks of their own so the
        /// rows after them only visit their windows. 0 without a window.</summary>
        public int GlobalRows { get; } = Pattern.Window > 0 ? Math.Clamp(Pattern.GlobalTokens - (K.Shape[2] - Q.Shape[2]), 0, Q.Shape[2]) : 0;
        /// <summary>About how many keys one query block visits (its rows' windows together; a few key tiles without a
        /// window): the cost estimate that sizes the work given to each core.</summary>
        public int KeysPerBlock => Math.Min(Tk, Pattern.Window > 0 ? Pattern.Window + QBlock : 4 * Block);
        private int GlobalBlocks => (GlobalRows + QBlock - 1) / QBlock;
        public int QueryBlocks => GlobalBlocks + (Tq - GlobalRows + QBlock - 1) / QBlock;

        /// <summary>First row and row count of query block <paramref name="qb"/>.</summary>
        public (int I0, int Rows) QueryBlock(int qb)
        {
            if (qb < GlobalBlocks) { int g0 = qb * QBlock; return (g0, Math.Min(QBlock, GlobalRows - g0)); }
            int i0 = GlobalRows + (qb - GlobalBlocks) * QBlock;
            return (i0, Math.Min(QBlock, Tq - i0));
        }

        public int B => Q.Shape[0];
        public int H => Q.Shape[1];
        public int Tq => Q.Shape[2];
        public int Tk => K.Shape[2];
        public int Dh => Q.Shape[3];
        public int Shift => Tk - Tq;
        public int Ld(Tensor t) => Math.Max(t.Strides[2], Dh);
        public int Base(Tensor t, int bh) => t.Offset + bh / H * t.Strides[0] + bh % H * t.Strides[1];
    }

    /// <summary>Unit stride along Dh and a row stride of at least Dh (or a single row): what a GEMM operand needs.</summary>
    private static Tensor RowMajor(Tensor t)
        => t.Strides[3] == 1 && (t.Shape[2] <= 1 || t.Strides[2] >= t.Shape[3]) ? t : t.ContiguousRaw();

    /// <summary>Scores of one tile S = q_rows·k_colsᵀ·scale + mask, with blocked keys at −∞ (rows × cols, row stride cols).</summary>
    private static void Scores(Args a, int bh, int i0, int rows, int j0, int cols, float* qp, float* kp, float* s)
    {
        Tile.Sgemm(false, true, rows, cols, a.Dh, a.Scale, qp + Base(a.Q, bh, i0, a), a.Ld(a.Q),
                                    kp + Base(a.K, bh, j0, a), a.Ld(a.K), 0f, s, cols);
        var e = a.Mask;
        if (e is not null)
        {
            var ma = e.Array; var st = e.Strides;
            int bb = bh / a.H, hh = bh % a.H;
            for (int r = 0; r < rows; r++)
            {
                int mo = e.Offset + bb * st[0] + hh * st[1] + (i0 + r) * st[2] + j0 * st[3];
                float* sr = s + r * cols;
                for (int c = 0; c < cols; c++) sr[c] += ma[mo + c * st[3]];
            }
        }
        if (a.Pattern.AllAllowed(i0, i0 + rows, j0, j0 + cols, a.Shift)) return;
        Span<(int Lo, int Hi)> visible = stackalloc (int, int)[2];
        for (int r = 0; r < rows; r++) BlockRow(a, i0 + r, j0, cols, s + r * cols, visible);
    }

    /// <summary>Sets to −∞ the scores of keys [j0, j0 + cols) that query row i may not see: the gaps between its
    /// visible key ranges (<see cref="AttentionPattern.KeyRanges"/> of the one row, ascending).</summary>
    private static void BlockRow(Args a, int i, int j0, int cols, float* row, Span<(int Lo, int Hi)> visible)
    {
        int j1 = j0 + cols, n = a.Pattern.KeyRanges(i, i + 1, a.Shift, a.Tk, visible);
        int at = j0;                                                         // columns before 'at' are done
        for (int k = 0; k < n; k++) { Fill(at, Math.Min(visible[k].Lo, j1)); at = Math.Max(at, visible[k].Hi); }
        Fill(at, j1);

        void Fill(int from, int to)
        {
            if (to > from) new Span<float>(row + (from - j0), to - from).Fill(float.NegativeInfinity);
        }
    }

    private static int Base(Tensor t, int bh, int row, Args a) => a.Base(t, bh) + row * t.Strides[2];

    private static void ForwardTile(Args a, int bh, int qb, Tensor o, float[] lse, float[] ws)
    {
        int bs = a.Block, dh = a.Dh;
        var (i0, rows) = a.QueryBlock(qb);
        Span<(int Lo, int Hi)> ranges = stackalloc (int, int)[2];
        int nr = a.Pattern.KeyRanges(i0, i0 + rows, a.Shift, a.Tk, ranges);
        Span<float> m = stackalloc float[rows], l = stackalloc float[rows];
        m.Fill(float.NegativeInfinity); l.Clear();
        fixed (float* qp = a.Q.Storage.Array, kp = a.K.Storage.Array, vp = a.V.Storage.Array, w = ws, op = o.Storage.Array)
        {
            float* s = w, acc = w + a.QBlock * bs;
            new Span<float>(acc, rows * dh).Clear();
            for (int ri = 0; ri < nr; ri++)
                for (int j0 = ranges[ri].Lo; j0 < ranges[ri].Hi; j0 += bs)
                {
                    int cols = Math.Min(bs, ranges[ri].Hi - j0);
                    Scores(a, bh, i0, rows, j0, cols, qp, kp, s);            // (rows, cols)
                    for (int r = 0; r < rows; r++)
                    {
                        var sr = new Span<float>(s + r * cols, cols);
                        float mx = Math.Max(m[r], TensorPrimitives.Max(sr));
                        if (float.IsNegativeInfinity(mx)) { sr.Clear(); continue; }
                        float corr = MathF.Exp(m[r] - mx);                   // 0 while the row had no key yet
                        if (corr != 1f)
                        {
                            l[r] *= corr;
                            var ar = new Span<float>(acc + r * dh, dh);
                            TensorPrimitives.Multiply(ar, corr, ar);
                        }
                        TensorPrimitives.Subtract(sr, mx, sr);
                        TensorPrimitives.Exp(sr, sr);
                        l[r] += TensorPrimitives.Sum(sr);
                        m[r] = mx;
                    }
                    // acc (rows, Dh) += P (rows, cols) · v_cols (cols, Dh)
                    Tile.Sgemm(false, false, rows, dh, cols, 1f, s, cols, vp + Base(a.V, bh, j0, a), a.Ld(a.V), 1f, acc, dh);
                }
            for (int r = 0; r < rows; r++)
            {
                var dst = new Span<float>(op + o.Offset + ((long)bh * a.Tq + i0 + r) * dh, dh);
                int li = bh * a.Tq + i0 + r;
                if (l[r] == 0f) { dst.Clear(); lse[li] = float.NegativeInfinity; continue; }
                TensorPrimitives.Multiply(new ReadOnlySpan<float>(acc + r * dh, dh), 1f / l[r], dst);
                lse[li] = m[r] + MathF.Log(l[r]);
            }
        }
    }

    private static void Backward(Args a, Tensor q, Tensor k, Tensor v, Tensor o, float[] lse, Tensor g)
    {
        var go = g.ContiguousRaw();                                          // dO (B, H, Tq, Dh)
        int bsz = a.Block, dh = a.Dh, bhN = a.B * a.H;
        var dq = Tensor.Zeros(a.B, a.H, a.Tq, dh);
        var dk = Tensor.Zeros(a.B, a.H, a.Tk, dh);
        var dv = Tensor.Zeros(a.B, a.H, a.Tk, dh);
        var delta = new float[bhN * a.Tq];                                   // D_i = dO_i · O_i
        var gs = go.Span; var os = o.Span;
        for (int r = 0; r < delta.Length; r++) delta[r] = TensorPrimitives.Dot(gs.Slice(r * dh, dh), os.Slice(r * dh, dh));
        int qBlocks = a.QueryBlocks;
        Par.For(bhN, a.Tq * a.KeysPerBlock * dh / 2, (s0, e0) =>
        {
            var ws = new float[2 * a.QBlock * bsz];
            Span<(int Lo, int Hi)> ranges = stackalloc (int, int)[2];
            fixed (float* qp = a.Q.Storage.Array, kp = a.K.Storage.Array, vp = a.V.Storage.Array, w = ws,
                   gp = go.Storage.Array, dqp = dq.Storage.Array, dkp = dk.Storage.Array, dvp = dv.Storage.Array)
            {
                float* p = w, dp = w + a.QBlock * bsz;
                var gemm = Tile;
                for (int bh = s0; bh < e0; bh++)
                    for (int qb = 0; qb < qBlocks; qb++)
                    {
                        var (i0, rows) = a.QueryBlock(qb);
                        int nr = a.Pattern.KeyRanges(i0, i0 + rows, a.Shift, a.Tk, ranges);
                        float* gRows = gp + go.Offset + ((long)bh * a.Tq + i0) * dh;
                        float* dqRows = dqp + ((long)bh * a.Tq + i0) * dh;
                        for (int ri = 0; ri < nr; ri++)
                            for (int j0 = ranges[ri].Lo; j0 < ranges[ri].Hi; j0 += bsz)
                            {
                                int cols = Math.Min(bsz, ranges[ri].Hi - j0);
                                Scores(a, bh, i0, rows, j0, cols, qp, kp, p);        // S (rows, cols)
                                for (int r = 0; r < rows; r++)
                                {
                                    var pr = new Span<float>(p + r * cols, cols);
                                    float L = lse[bh * a.Tq + i0 + r];
                                    if (float.IsNegativeInfinity(L)) { pr.Clear(); continue; }
                                    TensorPrimitives.Subtract(pr, L, pr);
                                    TensorPrimitives.Exp(pr, pr);                      // P = exp(S − lse)
                                }
                                float* dkRows = dkp + ((long)bh * a.Tk + j0) * dh, dvRows = dvp + ((long)bh * a.Tk + j0) * dh;
                                // dV_cols (cols, Dh) += Pᵀ (cols, rows) · dO_rows (rows, Dh)
                                gemm.Sgemm(true, false, cols, dh, rows, 1f, p, cols, gRows, dh, 1f, dvRows, dh);
                                // dP (rows, cols) = dO_rows (rows, Dh) · v_colsᵀ (Dh, cols)
                                gemm.Sgemm(false, true, rows, cols, dh, 1f, gRows, dh, vp + Base(a.V, bh, j0, a), a.Ld(a.V), 0f, dp, cols);
                                for (int r = 0; r < rows; r++)
                                {
                                    // dS = P ⊙ (dP − D_i) · scale, written over dP
                                    var pr = new ReadOnlySpan<float>(p + r * cols, cols); var dr = new Span<float>(dp + r * cols, cols);
                                    TensorPrimitives.Subtract(dr, delta[bh * a.Tq + i0 + r], dr);
                                    TensorPrimitives.Multiply(dr, pr, dr);
                                    TensorPrimitives.Multiply(dr, a.Scale, dr);
                                }
                                // dQ_rows (rows, Dh) += dS (rows, cols) · k_cols (cols, Dh)
                                gemm.Sgemm(false, false, rows, dh, cols, 1f, dp, cols, kp + Base(a.K, bh, j0, a), a.Ld(a.K), 1f, dqRows, dh);
                                // dK_cols (cols, Dh) += dSᵀ (cols, rows) · q_rows (rows, Dh)
                                gemm.Sgemm(true, false, cols, dh, rows, 1f, dp, cols, qp + Base(a.Q, bh, i0, a), a.Ld(a.Q), 1f, dkRows, dh);
                            }
                    }
            }
        });
        if (!ReferenceEquals(go.Storage, g.Storage)) go.Storage.ReleaseIfTracked();
        q.AccumulateGrad(dq, owned: true);
        k.AccumulateGrad(dk, owned: true);
        v.AccumulateGrad(dv, owned: true);
    }
}
