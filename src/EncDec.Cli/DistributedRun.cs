using EncDec.Distributed;

namespace EncDec.Cli;

/// <summary>
/// <c>train --distributed</c>: the MPI group of this process. Rank 0 is the leader (it alone prints and writes the
/// run folder); the other ranks train silently beside it.
/// </summary>
internal sealed class DistributedRun : IDisposable
{
    public MpiGroup Group { get; }
    public bool IsLeader => Group.Rank == 0;
    private bool _completed;

    private DistributedRun(MpiGroup group) => Group = group;

    /// <summary>Joins the MPI job this process was started in, or says in one line how to start one.</summary>
    public static DistributedRun Start()
    {
        if (!MpiGroup.LaunchedByMpirun)
            throw new UserInputException("--distributed: start the ranks with Open MPI's mpirun, e.g. `mpirun -np 2 encdec train … --distributed`");
        try { return new DistributedRun(MpiGroup.Start()); }
        catch (InvalidOperationException e) { throw new UserInputException(e.Message); }
    }

    /// <summary>The run ended normally on this rank: MPI is finalised on dispose. After an error it is not (every rank's
    /// MPI_Finalize would wait for the failed one): the process exits and mpirun ends the other ranks.</summary>
    public void Complete() => _completed = true;

    public void Dispose()
    {
        if (_completed) Group.Dispose();
    }
}
