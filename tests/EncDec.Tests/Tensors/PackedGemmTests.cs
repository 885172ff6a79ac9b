using System.Runtime.Intrinsics.X86;
using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;
using EncDec.Tensors.Gemm;
using Xunit;

namespace EncDec.Tests.Tensors;

/// <summary>
/// The managed GEMM with a pre-packed right operand (<see cref="ManagedGemm.PackB"/>, <see cref="ManagedGemm.SgemmPacked"/>)
/// against the same GEMM packing per call (bit for bit) and the naive reference, and <see cref="PackedLinear"/> against
/// <see cref="F.Linear"/>.
/// </summary>
public unsafe class PackedGemmTests
{
    private static IEnumerable<ManagedGemm> Kernels()
    {
        yield return ManagedGemm.Instance;
        if (ManagedGemm.BestKernel() != ManagedKernel.Avx2 && Avx2.IsSupported && Fma.IsSupported) yield return new ManagedGemm(ManagedKernel.Avx2);
        if (ManagedGemm.BestKernel() != ManagedKernel.Scalar) yield return new ManagedGemm(ManagedKernel.Scalar);
    }

    private static float[] Rand(Random rng, int len)
    {
        var x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    // (m, k, n): a decoding step's shapes (few rows, wide), K over one block (257, 600), N not a multiple of any tile width,
    // tall products (m ≥ n) and ones small enough to stay on one thread
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 32, 256, 8000 }, { 7, 600, 301 }, { 128, 257, 1000 }, { 300, 64, 40 }, { 3, 5, 17 }, { 1, 256, 256 }, { 65, 129, 67 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void PackedProduct_IsBitForBitThePerCallPackedOne(int m, int k, int n)
    {
        var rng = new Random(m * 31 + n);
        foreach (bool tA in new[] { false, true })
            foreach (bool tB in new[] { false, true })
            {
                int lda = (tA ? m : k) + 3, ldb = (tB ? k : n) + 1, ldc = n + 2;
                float[] a = Rand(rng, (tA ? k : m) * lda), b = Rand(rng, (tB ? n : k) * ldb), c0 = Rand(rng, m * ldc);
                float[] want = (float[])c0.Clone();
                fixed (float* pa = a, pb = b, pw = want)
                    NaiveGemm.Sgemm(tA, tB, m, n, k, 0.5f, pa, lda, pb, ldb, 1f, pw, ldc);
                foreach (var g in Kernels())
                {
                    float[] perCall = (float[])c0.Clone(), packed = (float[])c0.Clone();
                    using (TensorScope.Begin())
                        fixed (float* pa = a, pb = b, p1 = perCall, p2 = packed)
                        {
                            g.Sgemm(tA, tB, m, n, k, 0.5f, pa, lda, pb, ldb, 1f, p1, ldc);
                            var pk = g.PackB(tB, k, n, pb, ldb);
                            Assert.Equal((k, n), (pk.K, pk.N));
                            g.SgemmPacked(tA, m, 0.5f, pa, lda, pk, 1f, p2, ldc);
                        }
                    string what = $"{g.KernelKind} {(tA ? 'T' : 'N')}{(tB ? 'T' : 'N')} {m}x{k}x{n}";
                    // AVX-512's unpacked path has its own kernel for tiny products: there the two agree only up to rounding
                    bool small512 = g.KernelKind == ManagedKernel.Avx512 && (long)m * n * k <= 64L * 64 * 64;
                    if (!small512) Assert.True(perCall.AsSpan().SequenceEqual(packed), what);
                    double tol = 1e-4 * (Math.Sqrt(k) + 1);
                    for (int i = 0; i < want.Length; i++)
                        Assert.True(Math.Abs(want[i] - packed[i]) <= tol * Math.Max(1, Math.Abs(want[i])), $"{what}: index {i} want {want[i]} got {packed[i]}");
                }
            }
    }

    [Fact]
    public void PackedProduct_OneThreadEqualsSeveral_AndBetaZeroIgnoresC()
    {
        var rng = new Random(5);
        int m = 32, k = 300, n = 2000;
        float[] a = Rand(rng, m * k), b = Rand(rng, n * k);
        var one = new ManagedGemm(ManagedGemm.BestKernel()) { MaxThreads = 1 };
        var many = new ManagedGemm(ManagedGemm.BestKernel()) { MaxThreads = 3 };
        float[] c1 = new float[m * n], c2 = new float[m * n];
        Array.Fill(c1, float.NaN); Array.Fill(c2, float.NaN);              // beta 0: C is written, never read
        using (TensorScope.Begin())
            fixed (float* pa = a, pb = b, p1 = c1, p2 = c2)
            {
                one.SgemmPacked(false, m, 1f, pa, k, one.PackB(true, k, n, pb, k), 0f, p1, n);
                many.SgemmPacked(false, m, 1f, pa, k, many.PackB(true, k, n, pb, k), 0f, p2, n);
            }
        Assert.DoesNotContain(c1, float.IsNaN);
        Assert.True(c1.AsSpan().SequenceEqual(c2));
    }

    [Fact]
    public void PackedMatrix_OfAnotherKernel_IsRefused()
    {
        if (ManagedGemm.BestKernel() == ManagedKernel.Scalar) return;
        float[] b = new float[4 * 4], a = new float[4 * 4], c = new float[4 * 4];
        using (TensorScope.Begin())
            fixed (float* pa = a, pb = b, pc = c)
            {
                var pk = new ManagedGemm(ManagedKernel.Scalar).PackB(false, 4, 4, pb, 4);
                float* pa2 = pa, pc2 = pc;
                Assert.Throws<ArgumentException>(() => ManagedGemm.Instance.SgemmPacked(false, 4, 1f, pa2, 4, pk, 0f, pc2, 4));
            }
    }

    [Fact]
    public void PackedLinear_MatchesLinear_AndIsASnapshot()
    {
        if (!PackedLinear.Supported) return;
        var rng = new Rng(3);
        var lin = new Linear(40, 70, rng: rng);
        var x = Tensor.Randn(new Rng(4), 5, 3, 40);             // (B, T, in)
        var previous = GemmProviders.Current;
        try
        {
            GemmProviders.Current = GemmProviders.Managed;                   // the same kernel: the same bits
            using var _ = GradMode.NoGrad();
            var packed = PackedLinear.Pack(lin)!;
            var want = lin.Forward(x).ToArray();
            var got = packed.Forward(x);
            Assert.Equal(new[] { 5, 3, 70 }, got.Shape);
            Assert.Equal(want, got.ToArray());
            Assert.Equal(want, PackedLinear.Apply(lin, packed, x).ToArray());
            lin.Weight.Span.Clear();                                         // a snapshot: later changes of the layer do not reach it
            Assert.Equal(want, packed.Forward(x).ToArray());
            Assert.NotEqual(want, lin.Forward(x).ToArray());
        }
        finally { GemmProviders.Current = previous; }
    }

    [Fact]
    public void PackedLinear_IsNotUsedUnderAutograd()
    {
        if (!PackedLinear.Supported) return;
        var lin = new Linear(8, 6, rng: new Rng(1));
        PackedLinear packed;
        using (GradMode.NoGrad()) packed = PackedLinear.Pack(lin)!;
        lin.Weight.Span.Clear();
        var x = Tensor.Randn(new Rng(2), 2, 8);
        var y = PackedLinear.Apply(lin, packed, x);                          // autograd on: the layer's own (now zero) weights
        Assert.Equal(lin.Bias!.ToArray(), y.ToArray().Take(6).ToArray());
    }
}
