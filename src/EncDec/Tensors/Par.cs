namespace EncDec.Tensors;

/// <summary>
/// Splits large elementwise/row work across the cores. Work below <see cref="MinWork"/> elements runs inline
/// (a thread hand-off costs microseconds). Chunks are fixed by the sizes alone, so results are deterministic.
/// </summary>
public static class Par
{
    /// <summary>Elements below which work stays on the calling thread.</summary>
    public const int MinWork = 1 << 15;

    private static readonly int Workers = int.TryParse(Environment.GetEnvironmentVariable("ENCDEC_THREADS"), out int t) && t > 0
        ? t : Math.Max(1, Environment.ProcessorCount);

    /// <summary>Runs <paramref name="body"/>(start, end) over [0, n) in contiguous chunks; <paramref name="costPerItem"/>
    /// is the elements touched per item (e.g. the row length for row-wise work).</summary>
    public static void For(int n, int costPerItem, Action<int, int> body)
    {
        long work = (long)n * Math.Max(costPerItem, 1);
        int chunks = (int)Math.Min(Math.Min(Workers, n), Math.Max(1, work / MinWork));
        if (chunks <= 1) { body(0, n); return; }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            int start = (int)((long)n * c / chunks), end = (int)((long)n * (c + 1) / chunks);
            if (end > start) body(start, end);
        });
    }

    /// <summary>Number of chunks <see cref="For"/> would use (for per-chunk partial results).</summary>
    public static int Chunks(int n, int costPerItem)
    {
        long work = (long)n * Math.Max(costPerItem, 1);
        return (int)Math.Min(Math.Min(Workers, n), Math.Max(1, work / MinWork));
    }

    /// <summary>Runs <paramref name="body"/>(chunk, start, end) over exactly <paramref name="chunks"/> chunks.</summary>
    public static void ForChunks(int n, int chunks, Action<int, int, int> body)
    {
        if (chunks <= 1) { body(0, 0, n); return; }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            int start = (int)((long)n * c / chunks), end = (int)((long)n * (c + 1) / chunks);
            body(c, start, end);
        });
    }
}
