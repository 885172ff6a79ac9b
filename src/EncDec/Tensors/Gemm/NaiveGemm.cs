namespace EncDec.Tensors.Gemm;

/// <summary>Reference triple loop in double accumulation; used only by tests as ground truth.</summary>
public static unsafe class NaiveGemm
{
    public static void Sgemm(bool transA, bool transB, int m, int n, int k,
                             float alpha, float* a, int lda, float* b, int ldb,
                             float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    s += (double)av * bv;
                }
                float prev = beta == 0f ? 0f : beta * c[i * ldc + j];
                c[i * ldc + j] = (float)(alpha * s) + prev;
            }
    }
}
