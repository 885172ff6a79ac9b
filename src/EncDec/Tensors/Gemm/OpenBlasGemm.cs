using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace EncDec.Tensors.Gemm;

/// <summary>
/// GEMM through the system OpenBLAS (<c>cblas_sgemm</c>), loaded at run time with <see cref="NativeLibrary"/>.
/// On AVX-512 CPUs that the installed OpenBLAS may not recognise, <c>OPENBLAS_CORETYPE=SkylakeX</c> is put into
/// the native environment before loading (unless the user already set it).
/// </summary>
public sealed unsafe class OpenBlasGemm : IGemmProvider
{
    private const int CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112;

    /// <summary>Library names tried in order.</summary>
    internal static readonly string[] Candidates =
    [
        "libopenblas.so.0",
        "libopenblas.so",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "libopenblas.dylib",
        "libopenblas.dll",
        "openblas",
    ];

    private static readonly Lazy<OpenBlasGemm?> s_instance = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string? s_loadError;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, void> _setThreads;
    private readonly delegate* unmanaged<int> _getThreads;
    private static readonly Lock s_singleLock = new();
    private static int s_singleDepth, s_savedThreads;

    private OpenBlasGemm(nint lib, string path, nint sgemm)
    {
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        LibraryPath = path;
        if (NativeLibrary.TryGetExport(lib, "openblas_get_num_threads", out nint gnt))
        {
            _getThreads = (delegate* unmanaged<int>)gnt;
            Threads = _getThreads();
        }
        if (NativeLibrary.TryGetExport(lib, "openblas_set_num_threads", out nint snt)) _setThreads = (delegate* unmanaged<int, void>)snt;
        if (NativeLibrary.TryGetExport(lib, "openblas_get_corename", out nint gcn))
            CoreName = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)gcn)());
    }

    /// <summary>The loaded OpenBLAS, or null when it is not installed.</summary>
    public static OpenBlasGemm? Instance => s_instance.Value;

    /// <summary>Why loading failed (null when it loaded or was not tried yet).</summary>
    public static string? LoadError => s_loadError;

    /// <summary>Name or path the library was loaded from.</summary>
    public string LibraryPath { get; }

    /// <summary>OpenBLAS's own thread count (<c>openblas_get_num_threads</c>), 0 if unknown.</summary>
    public int Threads { get; }

    /// <summary>Kernel family OpenBLAS selected (<c>openblas_get_corename</c>), e.g. "SkylakeX".</summary>
    public string? CoreName { get; }

    /// <summary>Raw <c>cblas_sgemm</c> entry point (for benchmarks comparing against the provider).</summary>
    internal delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> RawSgemm => _sgemm;

    /// <summary>Whether <see cref="EnterSingleThreaded"/> can switch OpenBLAS's own threads off.</summary>
    internal bool CanRunSingleThreaded => _setThreads != null && _getThreads != null;

    /// <summary>
    /// Sets OpenBLAS to one thread until the matching <see cref="ExitSingleThreaded"/> (nested entries count), so that
    /// several .NET threads can each run their own product on the calling thread side by side: with one thread
    /// <c>cblas_sgemm</c> runs on its caller and never waits for OpenBLAS's worker pool. Products issued meanwhile from
    /// elsewhere run single-threaded too (same results: OpenBLAS splits sgemm over rows and columns, never over k).
    /// </summary>
    internal void EnterSingleThreaded()
    {
        lock (s_singleLock)
            if (s_singleDepth++ == 0) { s_savedThreads = _getThreads(); if (s_savedThreads != 1) _setThreads(1); }
    }

    internal void ExitSingleThreaded()
    {
        lock (s_singleLock)
            if (--s_singleDepth == 0 && s_savedThreads != 1) _setThreads(s_savedThreads);
    }

    public GemmProviderKind Kind => GemmProviderKind.OpenBlas;
    public string Name => "openblas";

    public void Sgemm(bool transA, bool transB, int m, int n, int k,
                      float alpha, float* a, int lda, float* b, int ldb,
                      float beta, float* c, int ldc)
    {
        if (m <= 0 || n <= 0) return;
        // BLAS rejects strides < 1 (possible here only when k == 0); they are never dereferenced then.
        if (lda < 1) lda = 1;
        if (ldb < 1) ldb = 1;
        _sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
               m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static OpenBlasGemm? Load()
    {
        try
        {
            PrepareEnvironment();
            foreach (string name in Candidates)
            {
                if (!NativeLibrary.TryLoad(name, out nint lib)) continue;
                if (NativeLibrary.TryGetExport(lib, "cblas_sgemm", out nint fn))
                    return new OpenBlasGemm(lib, name, fn);
            }
            s_loadError = "OpenBLAS (cblas_sgemm) not found; tried: " + string.Join(", ", Candidates);
        }
        catch (Exception e)
        {
            s_loadError = "Loading OpenBLAS failed: " + e.Message;
        }
        return null;
    }

    /// <summary>
    /// Debian's OpenBLAS 0.3.21 does not know newer AVX-512 Xeons and falls back to slow generic kernels.
    /// The core type is read with native <c>getenv</c> when the library loads, and .NET's
    /// <see cref="Environment.SetEnvironmentVariable(string, string?)"/> does not reach it on Unix, so call libc <c>setenv</c>.
    /// </summary>
    private static void PrepareEnvironment()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        if (!Avx512F.IsSupported) return;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE"))) return;
        foreach (string libc in (string[])["libc.so.6", "libc", "libSystem.dylib"])
        {
            if (!NativeLibrary.TryLoad(libc, out nint h)) continue;
            if (!NativeLibrary.TryGetExport(h, "setenv", out nint setenv)) continue;
            fixed (byte* name = "OPENBLAS_CORETYPE\0"u8)
            fixed (byte* value = "SkylakeX\0"u8)
                ((delegate* unmanaged<byte*, byte*, int, int>)setenv)(name, value, 1);
            return;
        }
    }
}
