namespace EncDec.Tensors.Gemm;

/// <summary>Placeholder managed GEMM (naive); replaced by the blocked SIMD kernel.</summary>
public sealed unsafe class ManagedGemm : IGemmProvider
{
    public static readonly ManagedGemm Instance = new();
    public GemmProviderKind Kind => GemmProviderKind.Managed;
    public string Name => "managed";
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        => NaiveGemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
