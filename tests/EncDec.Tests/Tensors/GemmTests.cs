using EncDec.Tensors.Gemm;
using System.Runtime.Intrinsics.X86;
using Xunit;

namespace EncDec.Tests.Tensors;

/// <summary>Every GEMM provider (and every managed kernel this CPU supports) against <see cref="NaiveGemm"/>.</summary>
public unsafe class GemmTests
{
    public static IEnumerable<IGemmProvider> Providers()
    {
        // The default managed instance uses the best kernel; also run the weaker fallbacks this CPU can execute.
        yield return GemmProviders.Managed;
        var best = ManagedGemm.BestKernel();
        if (best != ManagedKernel.Avx2 && Avx2.IsSupported && Fma.IsSupported) yield return new ManagedGemm(ManagedKernel.Avx2);
        if (best != ManagedKernel.Scalar) yield return new ManagedGemm(ManagedKernel.Scalar);
        // OpenBLAS is optional: when it is not installed only the managed kernels are checked.
        if (GemmProviders.TryGetOpenBlas(out var blas)) yield return blas!;
    }

    private static float[] Rand(Random rng, int len)
    {
        var x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Runs the reference once, then every provider on identical inputs; compares all of C (padding included).</summary>
    private static void Check(bool tA, bool tB, int m, int n, int k, float alpha, float beta,
                              int padA = 0, int padB = 0, int padC = 0, bool nanC = false, bool includeScalar = true)
    {
        var rng = new Random(1234);
        int rowsA = tA ? k : m, colsA = tA ? m : k;
        int rowsB = tB ? n : k, colsB = tB ? k : n;
        int lda = colsA + padA, ldb = colsB + padB, ldc = n + padC;
        float[] a = Rand(rng, Math.Max(1, rowsA * lda));
        float[] b = Rand(rng, Math.Max(1, rowsB * ldb));
        float[] c0 = Rand(rng, Math.Max(1, m * ldc));
        if (nanC) Array.Fill(c0, float.NaN);
        float[] want = (float[])c0.Clone();
        fixed (float* pa = a, pb = b, pw = want)
            NaiveGemm.Sgemm(tA, tB, m, n, k, alpha, pa, lda, pb, ldb, beta, pw, ldc);
        foreach (var p in Providers())
        {
            if (!includeScalar && p is ManagedGemm { KernelKind: ManagedKernel.Scalar }) continue;
            float[] got = (float[])c0.Clone();
            fixed (float* pa = a, pb = b, pg = got)
                p.Sgemm(tA, tB, m, n, k, alpha, pa, lda, pb, ldb, beta, pg, ldc);
            AssertClose(want, got, k, $"{p.Name}/{(p as ManagedGemm)?.KernelKind} {(tA ? 'T' : 'N')}{(tB ? 'T' : 'N')} m={m} n={n} k={k}");
        }
    }

    private static void AssertClose(float[] want, float[] got, int k, string what)
    {
        // Inputs lie in [-1, 1]; a sum of k products has magnitude <= k, so scale the tolerance with sqrt(k)+1.
        double tol = 1e-4 * (Math.Sqrt(Math.Max(k, 1)) + 1);
        for (int i = 0; i < want.Length; i++)
        {
            if (float.IsNaN(want[i]) && float.IsNaN(got[i])) continue;
            double d = Math.Abs((double)want[i] - got[i]);
            Assert.True(d <= tol * Math.Max(1, Math.Abs(want[i])), $"{what}: index {i} want {want[i]} got {got[i]}");
        }
    }

    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 7, 13, 5 }, { 1000, 3, 1 }, { 3, 1000, 2 }, { 65, 129, 67 }, { 300, 257, 190 },
        { 12, 32, 256 }, { 13, 33, 257 }, { 3, 5, 4200 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AllTransposes_MatchReference(int m, int k, int n)
    {
        foreach (bool tA in new[] { false, true })
            foreach (bool tB in new[] { false, true })
                Check(tA, tB, m, n, k, 0.75f, 0f);
    }

    [Fact]
    public void ZeroSized_DoesNothingOrScales()
    {
        {
            Check(false, false, 0, 5, 3, 1f, 0f);
            Check(false, false, 4, 0, 3, 1f, 0f);
            Check(true, true, 0, 0, 0, 1f, 0f);
            // k == 0: C = beta * C, and beta == 0 clears even NaN.
            Check(false, false, 4, 5, 0, 1f, 0.5f);
            Check(false, true, 4, 5, 0, 1f, 0f, nanC: true);
        }
    }

    [Fact]
    public void BetaZero_IgnoresNaNInC()
    {
        {
            Check(false, false, 65, 67, 129, 1.5f, 0f, nanC: true);
            Check(true, false, 300, 190, 257, 1f, 0f, nanC: true);
        }
    }

    [Fact]
    public void SmallMatrices_AlphaBetaAndNaN()
    {
        // Attention-sized products take the managed small-matrix path.
        foreach (bool tA in new[] { false, true })
            foreach (bool tB in new[] { false, true })
            {
                Check(tA, tB, 20, 20, 64, 0.125f, 0f, nanC: true);
                Check(tA, tB, 21, 64, 19, -1f, 0.5f, padA: 1, padB: 2, padC: 3);
                Check(tA, tB, 5, 40, 3, 1f, 1f);
            }
    }

    [Fact]
    public void BetaOne_Accumulates_AndGeneralBeta()
    {
        {
            Check(false, false, 65, 67, 300, 1f, 1f);
            Check(true, true, 30, 70, 513, -0.5f, 1f);
            Check(false, true, 65, 67, 129, 2f, 0.3f);
        }
    }

    [Fact]
    public void NonTightLeadingDimensions()
    {
        foreach (bool tA in new[] { false, true })
            foreach (bool tB in new[] { false, true })
                Check(tA, tB, 37, 45, 70, 1.25f, 0.5f, padA: 3, padB: 5, padC: 7);
    }

    [Fact]
    public void LargeEnoughToRunInParallel()
    {
        // The scalar kernel is slow here and would cover no new code.
        Check(false, false, 200, 130, 150, 1f, 0f, includeScalar: false); // splits M
        Check(true, true, 90, 260, 100, 1f, 0.5f, includeScalar: false);  // splits N
        Check(true, false, 150, 40, 600, 1f, 0.5f, includeScalar: false); // splits M, several K blocks
    }

    [Fact]
    public void Batched_WithBroadcastStrideZero()
    {
        const int batch = 12, m = 20, n = 20, k = 64;
        foreach (var p in Providers())
            foreach (bool tB in new[] { false, true })
            {
                var rng = new Random(1234);
                float[] a = Rand(rng, batch * m * k);
                float[] b = Rand(rng, k * n); // one B shared by the whole batch (stride 0)
                float[] want = Rand(rng, batch * m * n), got = (float[])want.Clone();
                int ldb = tB ? k : n;
                fixed (float* pa = a, pb = b, pw = want, pg = got)
                {
                    for (int i = 0; i < batch; i++)
                        NaiveGemm.Sgemm(false, tB, m, n, k, 0.5f, pa + i * m * k, k, pb, ldb, 1f, pw + i * m * n, n);
                    p.SgemmBatched(false, tB, m, n, k, 0.5f, pa, k, m * k, pb, ldb, 0, 1f, pg, n, m * n, batch);
                }
                AssertClose(want, got, k, $"{p.Name} batched tB={tB}");
            }
    }

    [Fact]
    public void Batched_LargeMatrices_And_EmptyBatch()
    {
        const int batch = 3, m = 130, n = 120, k = 140;
        foreach (var p in Providers())
        {
            if (p is ManagedGemm { KernelKind: ManagedKernel.Scalar }) continue;
            var rng = new Random(1234);
            float[] a = Rand(rng, batch * k * m), b = Rand(rng, batch * k * n);
            float[] want = new float[batch * m * n], got = new float[batch * m * n];
            fixed (float* pa = a, pb = b, pw = want, pg = got)
            {
                for (int i = 0; i < batch; i++)
                    NaiveGemm.Sgemm(true, false, m, n, k, 1f, pa + i * k * m, m, pb + i * k * n, n, 0f, pw + i * m * n, n);
                p.SgemmBatched(true, false, m, n, k, 1f, pa, m, k * m, pb, n, k * n, 0f, pg, n, m * n, batch);
                p.SgemmBatched(true, false, m, n, k, 1f, pa, m, k * m, pb, n, k * n, 0f, pg, n, m * n, 0);
            }
            AssertClose(want, got, k, $"{p.Name} batched large");
        }
    }

    [Fact]
    public void Selection_HonoursRequest()
    {
        Assert.Same(GemmProviders.Managed, GemmProviders.Select("managed"));
        bool has = GemmProviders.TryGetOpenBlas(out var blas);
        if (has)
        {
            Assert.Same(blas, GemmProviders.Select("openblas"));
            Assert.Same(blas, GemmProviders.Select(null));
            Assert.Equal(GemmProviderKind.OpenBlas, blas!.Kind);
        }
        else
        {
            var e = Assert.Throws<InvalidOperationException>(() => GemmProviders.Select("openblas"));
            Assert.Contains("OpenBLAS", e.Message);
            Assert.Same(GemmProviders.Managed, GemmProviders.Select(null));
        }
        Assert.Throws<InvalidOperationException>(() => GemmProviders.Select("cublas"));
    }
}
