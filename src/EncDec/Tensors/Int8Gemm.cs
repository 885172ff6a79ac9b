using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EncDec.Tensors;

/// <summary>The instruction set an <see cref="Int8Gemm"/> product runs on.</summary>
public enum Int8GemmPath { Portable, Avx2, AvxVnni }

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
            Par.For(m, n * k, (s, e) =>
            {
                for (int i = s; i < e; i++)
                {
                    sbyte* row = ap + (long)i * k;
                    int* out_ = cp + (long)i * n;
                    for (int j = 0; j < n; j++)
                        out_[j] = path switch
                        {
                            Int8GemmPath.AvxVnni => DotVnni(row, bp + (long)j * k, k),
                            Int8GemmPath.Avx2 => DotAvx2(row, bp + (long)j * k, k),
                            _ => DotPortable(row, bp + (long)j * k, k),
                        };
                }
            });
        }
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
