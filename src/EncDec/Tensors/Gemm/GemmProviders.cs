namespace EncDec.Tensors.Gemm;

/// <summary>
/// Chooses the process-wide GEMM provider: OpenBLAS when it loads, else the managed kernel.
/// <c>ENCDEC_GEMM=managed|openblas</c> forces one.
/// </summary>
public static class GemmProviders
{
    private static IGemmProvider? _current;

    /// <summary>The provider all tensor ops use.</summary>
    public static IGemmProvider Current
    {
        get => _current ??= Select();
        set => _current = value;
    }

    private static IGemmProvider Select()
    {
        // Filled in by the GEMM implementation (managed kernel + OpenBLAS loader).
        return ManagedGemm.Instance;
    }
}
