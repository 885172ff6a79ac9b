namespace EncDec.Training;

/// <summary>
/// The collective operations data-parallel training needs from a process group (MPI, or threads in one process):
/// every rank calls the same operations in the same order with buffers of the same length.
/// The Training layer only sees this contract; <c>EncDec.Distributed</c> implements it.
/// </summary>
public interface IDataParallel
{
    /// <summary>This process's index, 0 … <see cref="WorldSize"/> − 1. Rank 0 alone writes files.</summary>
    int Rank { get; }
    int WorldSize { get; }

    /// <summary>Starts summing <paramref name="count"/> floats of <paramref name="buffer"/> over all ranks, in place.
    /// Operations start in the order they are called; the result is in the buffer once the returned wait completes.</summary>
    IPendingReduction SumAsync(float[] buffer, int count);

    /// <summary>Sums <paramref name="values"/> over all ranks, in place (blocking; small control values).</summary>
    void Sum(double[] values);

    /// <summary>Waits until every rank has called it.</summary>
    void Barrier();
}
