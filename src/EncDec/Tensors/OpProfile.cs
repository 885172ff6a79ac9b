using System.Diagnostics;

namespace EncDec.Tensors;

/// <summary>
/// Optional per-op timing of a training step, for benchmarks (off by default; a disabled profile costs one branch per op).
/// Forward: the time between two recorded nodes is charged to the later node's op name (an op's work, and the glue code
/// that led to it, ends when it records its node; work in no-grad regions goes to the next recorded op). Backward: each
/// node's backward closure, by op name, and the pool releases after it. GEMM time (and its flops) is counted apart inside
/// each, so an op's own time is what it spends outside the GEMM; dense copies a matrix product makes of strided operands are
/// counted apart too. Single-threaded use only (the thread that runs the step).
/// </summary>
public static class OpProfile
{
    /// <summary>Time and calls of one op in one phase.</summary>
    public sealed class Entry
    {
        public long Ticks, GemmTicks, CopyTicks, Calls;
        public double GemmFlops;
    }

    private static readonly Dictionary<(bool Backward, string Op), Entry> s_entries = new();
    private static long s_mark, s_gemmTicks, s_copyTicks;
    private static double s_gemmFlops;

    /// <summary>Whether ops record their time.</summary>
    public static bool Enabled { get; set; }

    /// <summary>Everything recorded so far: (backward?, op name) → entry.</summary>
    public static IReadOnlyDictionary<(bool Backward, string Op), Entry> Entries => s_entries;

    /// <summary>Forgets everything recorded.</summary>
    public static void Reset() { s_entries.Clear(); s_gemmTicks = 0; s_copyTicks = 0; s_gemmFlops = 0; s_mark = Stopwatch.GetTimestamp(); }

    /// <summary>Starts a forward interval now (call before the forward pass, so set-up code is not charged to the first op).</summary>
    public static void Mark() { s_mark = Stopwatch.GetTimestamp(); s_gemmTicks = 0; s_copyTicks = 0; s_gemmFlops = 0; }

    /// <summary>Charges the time since the last mark to <paramref name="op"/> (forward) or to the backward op.</summary>
    public static void Charge(bool backward, string op)
    {
        long now = Stopwatch.GetTimestamp();
        var key = (backward, op);
        if (!s_entries.TryGetValue(key, out var e)) s_entries[key] = e = new Entry();
        e.Ticks += now - s_mark;
        e.GemmTicks += s_gemmTicks;
        e.GemmFlops += s_gemmFlops;
        e.CopyTicks += s_copyTicks;
        e.Calls++;
        s_mark = Stopwatch.GetTimestamp();
        s_gemmTicks = 0; s_gemmFlops = 0; s_copyTicks = 0;
    }

    /// <summary>Adds one GEMM's time and flops to the interval in progress.</summary>
    internal static void NoteGemm(long ticks, double flops) { s_gemmTicks += ticks; s_gemmFlops += flops; }

    /// <summary>Adds the time of a dense copy a matrix product made of a strided operand to the interval in progress.</summary>
    internal static void NoteCopy(long ticks) => s_copyTicks += ticks;
}
