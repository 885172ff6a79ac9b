namespace EncDec.Tensors.Gemm;

/// <summary>
/// Chooses the process-wide GEMM provider: OpenBLAS when it loads, else the managed kernel.
/// <c>ENCDEC_GEMM=managed|openblas</c> forces one.
/// </summary>
public static class GemmProviders
{
    /// <summary>Environment variable that forces a provider (<c>managed</c> or <c>openblas</c>).</summary>
    public const string EnvVar = "ENCDEC_GEMM";

    private static IGemmProvider? _current;

    /// <summary>The provider all tensor ops use.</summary>
    public static IGemmProvider Current
    {
        get => _current ??= Select();
        set => _current = value;
    }

    /// <summary>The managed SIMD provider (always available).</summary>
    public static IGemmProvider Managed => ManagedGemm.Instance;

    /// <summary>Gets the OpenBLAS provider if the native library can be loaded.</summary>
    public static bool TryGetOpenBlas(out IGemmProvider? provider)
    {
        provider = OpenBlasGemm.Instance;
        return provider != null;
    }

    /// <summary>Applies <c>ENCDEC_GEMM</c>, else prefers OpenBLAS and falls back to the managed kernel.</summary>
    public static IGemmProvider Select() => Select(Environment.GetEnvironmentVariable(EnvVar));

    internal static IGemmProvider Select(string? request)
    {
        switch (request?.Trim().ToLowerInvariant())
        {
            case null or "" or "auto":
                return TryGetOpenBlas(out var auto) ? auto! : Managed;
            case "managed":
                return Managed;
            case "openblas":
                if (TryGetOpenBlas(out var blas)) return blas!;
                throw new InvalidOperationException(
                    $"{EnvVar}=openblas was requested but OpenBLAS could not be loaded ({OpenBlasGemm.LoadError}). " +
                    "Install it (e.g. apt-get install libopenblas0-pthread) or set " + EnvVar + "=managed.");
            default:
                throw new InvalidOperationException($"Unknown {EnvVar} value '{request}'; expected 'managed' or 'openblas'.");
        }
    }
}
