using EncDec.Training;

namespace EncDec.Distributed;

/// <summary>
/// N data-parallel ranks as threads of one process (for tests and for trying data-parallel code without MPI).
/// Reductions sum in rank order, so results are the same from run to run.
/// </summary>
public sealed class InProcessGroup
{
    private readonly object _gate = new();
    private readonly List<Slot> _slots = new();     // by operation number
    private readonly long[] _issued;                 // per rank: operations started
    private readonly TimeSpan _timeout;

    /// <summary>The members, one per rank; give each to its own thread.</summary>
    public IReadOnlyList<IDataParallel> Members { get; }

    public InProcessGroup(int worldSize, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        _issued = new long[worldSize];
        _timeout = timeout ?? TimeSpan.FromSeconds(60);
        Members = Enumerable.Range(0, worldSize).Select(r => (IDataParallel)new Member(this, r)).ToList();
    }

    private Slot Join(int rank, Array buffer, int count)
    {
        lock (_gate)
        {
            long n = _issued[rank]++;
            while (_slots.Count <= n) _slots.Add(new Slot(_issued.Length));
            var slot = _slots[(int)n];
            slot.Buffers[rank] = buffer; slot.Count = count;
            if (++slot.Arrived == _issued.Length) slot.Complete();
            return slot;
        }
    }

    private sealed class Slot(int world) : IPendingReduction
    {
        public readonly Array?[] Buffers = new Array?[world];
        public int Count, Arrived;
        private readonly ManualResetEventSlim _done = new();
        public TimeSpan Timeout = TimeSpan.FromSeconds(60);

        public void Complete()
        {
            if (Buffers[0] is float[])
            {
                var sum = new float[Count];
                foreach (var b in Buffers) { var f = (float[])b!; for (int i = 0; i < Count; i++) sum[i] += f[i]; }
                foreach (var b in Buffers) sum.AsSpan().CopyTo(((float[])b!).AsSpan(0, Count));
            }
            else if (Buffers[0] is double[])
            {
                var sum = new double[Count];
                foreach (var b in Buffers) { var d = (double[])b!; for (int i = 0; i < Count; i++) sum[i] += d[i]; }
                foreach (var b in Buffers) sum.AsSpan().CopyTo(((double[])b!).AsSpan(0, Count));
            }
            _done.Set();
        }

        public void Wait()
        {
            if (!_done.Wait(Timeout)) throw new CollectiveTimeoutException($"in-process group: a collective did not complete within {Timeout.TotalSeconds:0} s");
        }
    }

    private sealed class Member(InProcessGroup group, int rank) : IDataParallel
    {
        public int Rank => rank;
        public int WorldSize => group._issued.Length;
        public IPendingReduction SumAsync(float[] buffer, int count) => Timed(group.Join(rank, buffer, count));
        public void Sum(double[] values) => Timed(group.Join(rank, values, values.Length)).Wait();
        public void Barrier() => Timed(group.Join(rank, Array.Empty<double>(), 0)).Wait();
        private Slot Timed(Slot s) { s.Timeout = group._timeout; return s; }
    }
}
