using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EncDec.Tensors;

/// <summary>
/// int8 × int8 → int32 matrix product C (m, n) = A (m, k) · Bᵀ, with A and B row-major (B holds one row per output
/// channel, as a Linear weight). Values must lie in [−127, 127] (symmetric quantisation never produces −128, which
/// the sign trick below cannot negate). AVX2: |a| (unsigned) times b·sign(a) with <c>vpmaddubsw</c>, pairs summed
/// to int32 with <c>vpmaddwd</c> (|2·127·127| fits int16); AVX-VNNI: the same operands with <c>vpdpbusd</c>; portable
/// scalar fallback elsewhere. Rows of C are spread over the cores.
/// </summary>
public static class Int8Gemm
{
    /// <summary>The fastest path this CPU supports.</summary>
    public static Int8GemmPath Best { get; } = AvxVnni.IsSupported ? Int8GemmPath.AvxVnni : Avx2.IsSupported ? Int8GemmPath.Avx2 : Int8GemmPath.Portable;

    public static bool IsSupported(Int8GemmPath path) => path switch
    {
        Int8GemmPath.Portable => true,
        Int8GemmPath.Avx2 => Avx2.IsSupported,
        Int8GemmPath.AvxVnni => AvxVnni.IsSupported,
        _ => false,
    };

    public static void Multiply(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b, Span<int> c, int m, int n, int k) => Multiply(a, b, c, m, n, k, Best);

    /// <summary>The fastest path for products on an <see cref="Int8PackedMatrix"/>, or null where none beats the unpacked
    /// kernels (the AVX2 <c>vpmaddubsw</c> would saturate on u8 · s8 pairs).</summary>
    public static Int8GemmPath? BestPacked { get; } = AvxVnni.IsSupported ? Int8GemmPath.AvxVnni : null;

    /// <summary>Whether products on an <see cref="Int8PackedMatrix"/> run on <paramref name="path"/> here (Portable always,
    /// AvxVnni where the CPU has it, Avx2 never).</summary>
    public static bool IsPackedSupported(Int8GemmPath path) => path switch
    {
        Int8GemmPath.Portable => true,
        Int8GemmPath.AvxVnni => AvxVnni.IsSupported,
        _ => false,
    };

    /// <summary>C (m, n) = A (m, k) · Bᵀ in int32 with B packed; A row-major int8 in [−127, 127] (converted to the
    /// unsigned form on the way in).</summary>
    public static unsafe void MultiplyPacked(ReadOnlySpan<sbyte> a, Int8PackedMatrix b, Span<int> c, int m, Int8GemmPath path)
    {
        int k = b.K, kp = b.PaddedK;
        if (a.Length < (long)m * k || c.Length < (long)m * b.N) throw new ArgumentException($"int8 GEMM operands too small for ({m}, {k}) · ({b.N}, {k})ᵀ");
        var au = new byte[m * kp];                                               // (m, kp) unsigned a + 128, zero padding
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) au[i * kp + p] = (byte)(a[i * k + p] + 128);
        fixed (byte* pa = au)
        fixed (int* pc = c)
            PackedCore(pa, b, m, new Epilogue { Ints = pc, Ld = b.N }, path);
    }

    /// <summary>
    /// y (m, n) = (A · Bᵀ) · rowScale[i] · colScale[j] + bias[j], the int32 accumulators dequantised in registers.
    /// <paramref name="aUnsigned"/> is (m, PaddedK) row-major, each value the int8 activation + 128 (see
    /// <c>Int8Weight.QuantizeRowUnsigned</c>); <paramref name="bias"/> may be empty.
    /// </summary>
    public static unsafe void MultiplyPackedScaled(ReadOnlySpan<byte> aUnsigned, Int8PackedMatrix b, int m, ReadOnlySpan<float> rowScale,
                                                   ReadOnlySpan<float> colScale, ReadOnlySpan<float> bias, Span<float> y, Int8GemmPath path)
    {
        if (aUnsigned.Length < (long)m * b.PaddedK || y.Length < (long)m * b.N || rowScale.Length < m || colScale.Length < b.N
            || (!bias.IsEmpty && bias.Length < b.N))
            throw new ArgumentException($"int8 GEMM operands too small for ({m}, {b.K}) · ({b.N}, {b.K})ᵀ");
        fixed (byte* pa = aUnsigned)
        fixed (float* py = y, prs = rowScale, pcs = colScale, pbias = bias)
            PackedCore(pa, b, m, new Epilogue { Floats = py, Ld = b.N, RowScale = prs, ColScale = pcs, Bias = bias.IsEmpty ? null : pbias }, path);
    }

    /// <summary>Where a tile's accumulators go: int32 as they are, or floats scaled per row and column plus a bias.</summary>
    private unsafe struct Epilogue
    {
        public int* Ints;
        public float* Floats, RowScale, ColScale, Bias;
        public int Ld;
    }

    private static unsafe void PackedCore(byte* a, Int8PackedMatrix b, int m, Epilogue e, Int8GemmPath path)
    {
        if (!IsPackedSupported(path)) throw new PlatformNotSupportedException($"packed int8 products do not run on {path} here");
        if (m == 0 || b.N == 0) return;
        int kp = b.PaddedK, groups = kp / 4, n = b.N;
        fixed (sbyte* pw = b.Data)
        fixed (int* pcorr = b.Correction)
        {
            sbyte* w = pw; int* corr = pcorr;
            // 16-channel blocks are spread over the cores; each block's 16·kp weights stay in L1 while all rows stream past
            Par.For(b.Blocks, m * kp * Int8PackedMatrix.BlockChannels, (s, end) =>
            {
                int* acc = stackalloc int[4 * Int8PackedMatrix.BlockChannels];     // one tile's int32 results, (4, 16)
                for (int blk = s; blk < end; blk++)
                {
                    sbyte* wb = w + (long)blk * kp * Int8PackedMatrix.BlockChannels;
                    int j0 = blk * Int8PackedMatrix.BlockChannels, nc = Math.Min(Int8PackedMatrix.BlockChannels, n - j0);
                    for (int i = 0; i < m; i += 4)
                    {
                        int rows = Math.Min(4, m - i);
                        // the tile only writes acc: a call after its loop would make the JIT spill the accumulators every step
                        if (path == Int8GemmPath.AvxVnni) Tile4x16Vnni(a + (long)i * kp, kp, rows, wb, groups, corr + j0, acc);
                        else TilePortable(a + (long)i * kp, kp, rows, wb, groups, corr + j0, acc);
                        for (int r = 0; r < rows; r++)
                            StoreRow(Vector256.Load(acc + r * 16), Vector256.Load(acc + r * 16 + 8), i + r, j0, nc, e);
                    }
                }
            });
        }
    }

    /// <summary>Up to 4 rows × 16 channels: per group of 4 k, two weight loads and one 4-byte broadcast per row feed
    /// 8 <c>vpdpbusd</c>; the accumulators start at the unsigned-activation correction.</summary>
    private static unsafe void Tile4x16Vnni(byte* a, int lda, int rows, sbyte* w, int groups, int* corr, int* acc)
    {
        var c0 = Avx.LoadVector256(corr); var c1 = Avx.LoadVector256(corr + 8);
        Vector256<int> r00 = c0, r01 = c1, r10 = c0, r11 = c1, r20 = c0, r21 = c1, r30 = c0, r31 = c1;
        byte* a0 = a, a1 = rows > 1 ? a + lda : a, a2 = rows > 2 ? a + 2 * lda : a, a3 = rows > 3 ? a + 3 * lda : a;
        for (int g = 0; g < groups; g++, w += 64)
        {
            var w0 = Avx.LoadVector256(w); var w1 = Avx.LoadVector256(w + 32);
            var x0 = Vector256.Create(*(int*)(a0 + 4 * g)).AsByte();
            r00 = AvxVnni.MultiplyWideningAndAdd(r00, x0, w0); r01 = AvxVnni.MultiplyWideningAndAdd(r01, x0, w1);
            var x1 = Vector256.Create(*(int*)(a1 + 4 * g)).AsByte();
            r10 = AvxVnni.MultiplyWideningAndAdd(r10, x1, w0); r11 = AvxVnni.MultiplyWideningAndAdd(r11, x1, w1);
            var x2 = Vector256.Create(*(int*)(a2 + 4 * g)).AsByte();
            r20 = AvxVnni.MultiplyWideningAndAdd(r20, x2, w0); r21 = AvxVnni.MultiplyWideningAndAdd(r21, x2, w1);
            var x3 = Vector256.Create(*(int*)(a3 + 4 * g)).AsByte();
            r30 = AvxVnni.MultiplyWideningAndAdd(r30, x3, w0); r31 = AvxVnni.MultiplyWideningAndAdd(r31, x3, w1);
        }
        r00.Store(acc); r01.Store(acc + 8); r10.Store(acc + 16); r11.Store(acc + 24);
        r20.Store(acc + 32); r21.Store(acc + 40); r30.Store(acc + 48); r31.Store(acc + 56);
    }

    /// <summary>The scalar reading of the packed layout (the reference for the vector tile, and the fallback).</summary>
    private static unsafe void TilePortable(byte* a, int lda, int rows, sbyte* w, int groups, int* corr, int* acc)
    {
        for (int r = 0; r < rows; r++)
        {
            byte* ar = a + (long)r * lda;
            for (int jj = 0; jj < Int8PackedMatrix.BlockChannels; jj++)
            {
                int s = corr[jj];
                for (int g = 0; g < groups; g++)
                    for (int t = 0; t < 4; t++) s += ar[4 * g + t] * w[(g * Int8PackedMatrix.BlockChannels + jj) * 4 + t];
                acc[r * Int8PackedMatrix.BlockChannels + jj] = s;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(Vector256<int> lo, Vector256<int> hi, int i, int j0, int nc, Epilogue e)
    {
        if (e.Ints is not null)
        {
            int* dst = e.Ints + (long)i * e.Ld + j0;
            if (nc == Int8PackedMatrix.BlockChannels) { lo.Store(dst); hi.Store(dst + 8); return; }
            int* tmp = stackalloc int[Int8PackedMatrix.BlockChannels];
            lo.Store(tmp); hi.Store(tmp + 8);
            for (int jj = 0; jj < nc; jj++) dst[jj] = tmp[jj];
            return;
        }
        float* y = e.Floats + (long)i * e.Ld + j0;
        float rs = e.RowScale[i];
        if (nc == Int8PackedMatrix.BlockChannels)
        {
            var s = Vector256.Create(rs);
            var y0 = Vector256.ConvertToSingle(lo) * (Vector256.Load(e.ColScale + j0) * s);
            var y1 = Vector256.ConvertToSingle(hi) * (Vector256.Load(e.ColScale + j0 + 8) * s);
            if (e.Bias is not null) { y0 += Vector256.Load(e.Bias + j0); y1 += Vector256.Load(e.Bias + j0 + 8); }
            y0.Store(y); y1.Store(y + 8);
            return;
        }
        int* t = stackalloc int[Int8PackedMatrix.BlockChannels];
        lo.Store(t); hi.Store(t + 8);
        for (int jj = 0; jj < nc; jj++) y[jj] = t[jj] * (e.ColScale[j0 + jj] * rs) + (e.Bias is null ? 0f : e.Bias[j0 + jj]);
    }

    public static unsafe void Multiply(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b, Span<int> c, int m, int n, int k, Int8GemmPath path)
    {
        if (a.Length < (long)m * k || b.Length < (long)n * k || c.Length < (long)m * n)
            throw new ArgumentException($"int8 GEMM operands too small for ({m}, {k}) · ({n}, {k})ᵀ");
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"{path} is not supported on this CPU");
        fixed (sbyte* pa = a, pb = b)
        fixed (int* pc = c)
        {
            sbyte* ap = pa, bp = pb; int* cp = pc;
            // output channels (rows of B) are spread over the cores in blocks of 4: each block's 4·k weights stay in L1
            // while every row of A streams past them, and one small batch (m = 1 while decoding) still uses every core
            int blocks = (n + 3) / 4;
            Par.For(blocks, m * k * 4, (s, e) =>
            {
                for (int jb = s; jb < e; jb++)
                {
                    int j = jb * 4;
                    if (j + 4 <= n && path != Int8GemmPath.Portable)
                        for (int i = 0; i < m; i++)
                        {
                            var r = path == Int8GemmPath.AvxVnni ? Dot4Vnni(ap + (long)i * k, bp + (long)j * k, k) : Dot4Avx2(ap + (long)i * k, bp + (long)j * k, k);
                            r.Store(cp + (long)i * n + j);
                        }
                    else
                        for (int i = 0; i < m; i++)
                            for (int jj = j; jj < Math.Min(j + 4, n); jj++)
                                cp[(long)i * n + jj] = path switch
                                {
                                    Int8GemmPath.AvxVnni => DotVnni(ap + (long)i * k, bp + (long)jj * k, k),
                                    Int8GemmPath.Avx2 => DotAvx2(ap + (long)i * k, bp + (long)jj * k, k),
                                    _ => DotPortable(ap + (long)i * k, bp + (long)jj * k, k),
                                };
                }
            });
        }
    }

    /// <summary>The dot products of one row of A with 4 consecutive rows of B: |a| once, b·sign(a) per row, the four
    /// int32 accumulators reduced together with horizontal adds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<int> Dot4Avx2(sbyte* a, sbyte* b, int k)
    {
        Vector256<int> acc0 = Vector256<int>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        var ones = Vector256.Create((short)1);
        sbyte* b1 = b + k, b2 = b1 + k, b3 = b2 + k;
        int p = 0;
        for (; p + 32 <= k; p += 32)
        {
            var va = Avx.LoadVector256(a + p);
            var ua = Avx2.Abs(va);
            acc0 = Avx2.Add(acc0, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(ua, Avx2.Sign(Avx.LoadVector256(b + p), va)), ones));
            acc1 = Avx2.Add(acc1, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(ua, Avx2.Sign(Avx.LoadVector256(b1 + p), va)), ones));
            acc2 = Avx2.Add(acc2, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(ua, Avx2.Sign(Avx.LoadVector256(b2 + p), va)), ones));
            acc3 = Avx2.Add(acc3, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(ua, Avx2.Sign(Avx.LoadVector256(b3 + p), va)), ones));
        }
        var r = Reduce4(acc0, acc1, acc2, acc3);
        if (p < k) r = Avx2.Add(r, Tail4(a, b, k, p));
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<int> Dot4Vnni(sbyte* a, sbyte* b, int k)
    {
        Vector256<int> acc0 = Vector256<int>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        sbyte* b1 = b + k, b2 = b1 + k, b3 = b2 + k;
        int p = 0;
        for (; p + 32 <= k; p += 32)
        {
            var va = Avx.LoadVector256(a + p);
            var ua = Avx2.Abs(va);
            acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, ua, Avx2.Sign(Avx.LoadVector256(b + p), va));
            acc1 = AvxVnni.MultiplyWideningAndAdd(acc1, ua, Avx2.Sign(Avx.LoadVector256(b1 + p), va));
            acc2 = AvxVnni.MultiplyWideningAndAdd(acc2, ua, Avx2.Sign(Avx.LoadVector256(b2 + p), va));
            acc3 = AvxVnni.MultiplyWideningAndAdd(acc3, ua, Avx2.Sign(Avx.LoadVector256(b3 + p), va));
        }
        var r = Reduce4(acc0, acc1, acc2, acc3);
        if (p < k) r = Avx2.Add(r, Tail4(a, b, k, p));
        return r;
    }

    /// <summary>(Σ acc0, Σ acc1, Σ acc2, Σ acc3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Reduce4(Vector256<int> acc0, Vector256<int> acc1, Vector256<int> acc2, Vector256<int> acc3)
    {
        var h = Avx2.HorizontalAdd(Avx2.HorizontalAdd(acc0, acc1), Avx2.HorizontalAdd(acc2, acc3));   // per 128-bit lane: partial sums of 0, 1, 2, 3
        return Sse2.Add(h.GetLower(), h.GetUpper());
    }

    private static unsafe Vector128<int> Tail4(sbyte* a, sbyte* b, int k, int p)
    {
        int s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (; p < k; p++)
        {
            int x = a[p];
            s0 += x * b[p]; s1 += x * b[k + p]; s2 += x * b[2 * k + p]; s3 += x * b[3 * k + p];
        }
        return Vector128.Create(s0, s1, s2, s3);
    }

    private static unsafe int DotPortable(sbyte* a, sbyte* b, int k)
    {
        int s = 0;
        for (int p = 0; p < k; p++) s += a[p] * b[p];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int DotAvx2(sbyte* a, sbyte* b, int k)
    {
        var acc = Vector256<int>.Zero;
        var ones = Vector256.Create((short)1);
        int p = 0;
        for (; p + 32 <= k; p += 32)
        {
            var va = Avx.LoadVector256(a + p); var vb = Avx.LoadVector256(b + p);
            var pairs = Avx2.MultiplyAddAdjacent(Avx2.Abs(va), Avx2.Sign(vb, va));   // 16 × int16: |a|·(b·sign a), adjacent pairs summed
            acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(pairs, ones));             // 8 × int32
        }
        int s = Vector256.Sum(acc);
        for (; p < k; p++) s += a[p] * b[p];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int DotVnni(sbyte* a, sbyte* b, int k)
    {
        var acc = Vector256<int>.Zero;
        int p = 0;
        for (; p + 32 <= k; p += 32)
        {
            var va = Avx.LoadVector256(a + p); var vb = Avx.LoadVector256(b + p);
            acc = AvxVnni.MultiplyWideningAndAdd(acc, Avx2.Abs(va), Avx2.Sign(vb, va));   // 8 × int32 += 4 products each
        }
        int s = Vector256.Sum(acc);
        for (; p < k; p++) s += a[p] * b[p];
        return s;
    }
}
