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
