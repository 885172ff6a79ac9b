using System.Runtime.InteropServices;

namespace EncDec.Distributed;

/// <summary>
/// The few MPI functions data-parallel training calls, bound at run time from Open MPI's <c>libmpi</c>
/// (Debian: <c>openmpi-bin</c> + <c>libopenmpi-dev</c>, 4.1.x). Open MPI's handles (communicator, datatypes,
/// operations) are addresses of exported global objects (<c>ompi_mpi_comm_world</c>, …), read with
/// <see cref="NativeLibrary.GetExport"/>; MPICH-style integer handles are not supported.
/// MPI.NET 1.4.0, the registry's binding, was tried first: it binds to Windows' <c>msmpi.dll</c> and fails with
/// DllNotFoundException on Linux, so the functions are called directly.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    internal const int ThreadFunneled = 1;
    private static readonly nint InPlace = 1;   // Open MPI's MPI_IN_PLACE

    internal static readonly string[] Candidates = ["libmpi.so.40", "libmpi.so", "/usr/lib/x86_64-linux-gnu/libmpi.so.40"];

    private readonly delegate* unmanaged<int*, nint*, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _commRank;
    private readonly delegate* unmanaged<nint, int*, int> _commSize;
    private readonly delegate* unmanaged<nint, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;

    public nint CommWorld { get; }
    public nint Float { get; }
    public nint Double { get; }
    public nint Sum { get; }
    public string Path { get; }

    private MpiLibrary(nint lib, string path)
    {
        Path = path;
        nint F(string name) => NativeLibrary.GetExport(lib, name);
        _initThread = (delegate* unmanaged<int*, nint*, int, int*, int>)F("MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)F("MPI_Initialized");
        _finalize = (delegate* unmanaged<int>)F("MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)F("MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)F("MPI_Comm_size");
        _allreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, int>)F("MPI_Allreduce");
        _barrier = (delegate* unmanaged<nint, int>)F("MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)F("MPI_Abort");
        CommWorld = F("ompi_mpi_comm_world");
        Float = F("ompi_mpi_float");
        Double = F("ompi_mpi_double");
        Sum = F("ompi_mpi_op_sum");
    }

    /// <summary>Loads Open MPI's library, or throws a one-line error naming what is missing.</summary>
    public static MpiLibrary Load()
    {
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out nint lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "ompi_mpi_comm_world", out _))
                throw new InvalidOperationException($"{name} is not Open MPI (no ompi_mpi_comm_world); --distributed needs Open MPI 4.x");
            return new MpiLibrary(lib, name);
        }
        throw new InvalidOperationException("--distributed: Open MPI's libmpi was not found (install openmpi-bin and libopenmpi-dev; tried "
                                            + string.Join(", ", Candidates) + ")");
    }

    public int InitThread(int required)
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        if (flag != 0) return required;
        int provided;
        Check(_initThread(null, null, required, &provided), "MPI_Init_thread");
        return provided;
    }

    public int Rank() { int r; Check(_commRank(CommWorld, &r), "MPI_Comm_rank"); return r; }
    public int Size() { int s; Check(_commSize(CommWorld, &s), "MPI_Comm_size"); return s; }

    public void AllreduceSumInPlace(float* buffer, int count) => Check(_allreduce(InPlace, buffer, count, Float, Sum, CommWorld), "MPI_Allreduce");
    public void AllreduceSumInPlace(double* buffer, int count) => Check(_allreduce(InPlace, buffer, count, Double, Sum, CommWorld), "MPI_Allreduce");
    public void Barrier() => Check(_barrier(CommWorld), "MPI_Barrier");
    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");
    public void Abort(int code) => _abort(CommWorld, code);

    private static void Check(int rc, string what)
    {
        // Open MPI's default error handler aborts the job on errors; a non-zero code here means a handler returned
        if (rc != 0) throw new InvalidOperationException($"{what} failed with MPI error {rc}");
    }
}
