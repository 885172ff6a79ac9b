namespace EncDec.Tensors.Gemm;

/// <summary>Which GEMM implementation runs the matrix products.</summary>
public enum GemmProviderKind
{
    /// <summary>Managed cache-blocked SIMD kernel (runs anywhere).</summary>
    Managed,
    /// <summary>OpenBLAS <c>cblas_sgemm</c> loaded from the system.</summary>
    OpenBlas,
}
