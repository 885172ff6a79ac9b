using System.Collections.Concurrent;
using EncDec.Training;

namespace EncDec.Distributed;

/// <summary>
/// The MPI world (all processes <c>mpirun</c> started) as a data-parallel group. One communication thread owns MPI
/// (initialised with <c>MPI_THREAD_FUNNELED</c>) and runs the collectives in the order they were asked for, so
/// gradient reductions run while the training thread goes on with backward. Every wait has a time limit: a rank that
/// is stuck (or died without the job being torn down) makes the others fail with a clear error instead of hanging.
/// </summary>
public sealed class MpiGroup : IDataParallel, IDisposable
{
    /// <summary>Environment variable: seconds a collective may take before the group is declared failed.</summary>
    public const string TimeoutVariable = "ENCDEC_COLLECTIVE_TIMEOUT";

    private readonly BlockingCollection<Operation> _queue = new();
    private readonly Thread _thread;
    private MpiLibrary? _mpi;
    private Exception? _startError;
    private bool _disposed;

    public int Rank { get; private set; }
    public int WorldSize { get; private set; }
    /// <summary>How long a wait for a collective may take.</summary>
    public TimeSpan Timeout { get; }
    /// <summary>The libmpi that was loaded.</summary>
    public string LibraryPath => _mpi?.Path ?? "";

    /// <summary>True when this process was started by Open MPI's <c>mpirun</c>.</summary>
    public static bool LaunchedByMpirun => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    private MpiGroup(TimeSpan timeout)
    {
        Timeout = timeout;
        using var started = new ManualResetEventSlim();
        _thread = new Thread(() => Loop(started)) { IsBackground = true, Name = "encdec-mpi" };
        _thread.Start();
        started.Wait();
        if (_startError is not null) throw _startError;
    }

    /// <summary>Initialises MPI on a communication thread. <paramref name="timeout"/> defaults to
    /// <see cref="TimeoutVariable"/> or 300 s.</summary>
    public static MpiGroup Start(TimeSpan? timeout = null)
    {
        var t = timeout ?? (double.TryParse(Environment.GetEnvironmentVariable(TimeoutVariable), System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0
            ? TimeSpan.FromSeconds(s) : TimeSpan.FromSeconds(300));
        return new MpiGroup(t);
    }

    private void Loop(ManualResetEventSlim started)
    {
        try
        {
            _mpi = MpiLibrary.Load();
            _mpi.InitThread(MpiLibrary.ThreadFunneled);
            Rank = _mpi.Rank();
            WorldSize = _mpi.Size();
        }
        catch (Exception e) { _startError = e; started.Set(); return; }
        started.Set();
        foreach (var op in _queue.GetConsumingEnumerable())
        {
            try { op.Body(_mpi); }
            catch (Exception e) { op.Error = e; }
            op.Done.Set();
        }
    }

    public unsafe IPendingReduction SumAsync(float[] buffer, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, buffer.Length);
        return Enqueue(mpi => { fixed (float* p = buffer) mpi.AllreduceSumInPlace(p, count); }, "gradient all-reduce");
    }

    public unsafe void Sum(double[] values) =>
        Enqueue(mpi => { fixed (double* p = values) mpi.AllreduceSumInPlace(p, values.Length); }, "all-reduce of the step's numbers").Wait();

    public void Barrier() => Enqueue(mpi => mpi.Barrier(), "barrier").Wait();

    /// <summary>Ends the whole job (every rank) with <paramref name="code"/>; used after an error on one rank.</summary>
    public void Abort(int code) => _mpi?.Abort(code);

    private Operation Enqueue(Action<MpiLibrary> body, string what)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var op = new Operation(body, what, this);
        _queue.Add(op);
        return op;
    }

    /// <summary>Finalises MPI (after every rank's last collective) and stops the communication thread.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        var fin = Enqueue(mpi => mpi.FinalizeMpi(), "MPI_Finalize");
        _disposed = true;
        _queue.CompleteAdding();
        fin.Done.Wait(Timeout);
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private sealed class Operation(Action<MpiLibrary> body, string what, MpiGroup group) : IPendingReduction
    {
        public readonly Action<MpiLibrary> Body = body;
        public readonly ManualResetEventSlim Done = new();
        public Exception? Error;

        public void Wait()
        {
            if (!Done.Wait(group.Timeout))
                throw new CollectiveTimeoutException($"rank {group.Rank} of {group.WorldSize}: the {what} did not complete within "
                    + $"{group.Timeout.TotalSeconds:0} s — another rank died or is stuck ({TimeoutVariable} sets the limit)");
            if (Error is not null) throw new InvalidOperationException($"rank {group.Rank}: {what} failed: {Error.Message}", Error);
        }
    }
}
