namespace EncDec.Tensors.Gemm;

/// <summary>
/// Single-precision GEMM on row-major matrices:
/// <c>C = alpha * op(A) * op(B) + beta * C</c>, where op(A) is (m, k) and op(B) is (k, n).
/// <c>lda</c>, <c>ldb</c>, <c>ldc</c> are row strides (leading dimensions)
/// of the matrices as stored (so for transA the stored A is (k, m) with row stride lda).
/// </summary>
public unsafe interface IGemmProvider
{
    GemmProviderKind Kind { get; }
    string Name { get; }

    void Sgemm(bool transA, bool transB, int m, int n, int k,
               float alpha, float* a, int lda, float* b, int ldb,
               float beta, float* c, int ldc);

    /// <summary>Batched GEMM: <paramref name="batch"/> independent products, matrix i starting at
    /// a + i*strideA, b + i*strideB, c + i*strideC (strides in elements; 0 broadcasts one matrix).</summary>
    void SgemmBatched(bool transA, bool transB, int m, int n, int k,
                      float alpha, float* a, int lda, long strideA, float* b, int ldb, long strideB,
                      float beta, float* c, int ldc, long strideC, int batch)
    {
        for (int i = 0; i < batch; i++)
            Sgemm(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * strideC, ldc);
    }
}
