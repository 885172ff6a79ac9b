using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace EncDec.Bench;

/// <summary>
/// Counts the runtime's GC events in this process while it lives: why each collection started (the GCStart event's reason:
/// small-object allocation, large-object allocation, induced, …) and which types the large-object allocations were (the
/// AllocationTick event, one per ~100 KB allocated, with its kind and type name). <c>bench serve --gc-events</c> prints it,
/// to find what leaves garbage on the large-object heap.
/// </summary>
public sealed class GcEventCensus : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private static readonly string[] Reasons = { "alloc_soh", "induced", "low_memory", "empty", "alloc_loh", "oos_soh", "oos_loh", "induced_noforce" };
    private readonly ConcurrentDictionary<string, long> _starts = new(), _large = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.Payload is null || e.PayloadNames is null) return;
        if (e.EventName is "GCStart_V2" or "GCStart_V1" or "GCStart")
        {
            int reason = Convert.ToInt32(e.Payload[e.PayloadNames.IndexOf("Reason")], System.Globalization.CultureInfo.InvariantCulture);
            int depth = Convert.ToInt32(e.Payload[e.PayloadNames.IndexOf("Depth")], System.Globalization.CultureInfo.InvariantCulture);
            _starts.AddOrUpdate($"gen{depth}:{(reason < Reasons.Length ? Reasons[reason] : reason.ToString(System.Globalization.CultureInfo.InvariantCulture))}", 1, (_, n) => n + 1);
        }
        else if (e.EventName is not null && e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal))
        {
            int kind = Convert.ToInt32(e.Payload[e.PayloadNames.IndexOf("AllocationKind")], System.Globalization.CultureInfo.InvariantCulture);
            int t = e.PayloadNames.IndexOf("TypeName");
            if (kind == 1) _large.AddOrUpdate(t >= 0 ? e.Payload[t]?.ToString() ?? "?" : "?", 1, (_, n) => n + 1);
        }
    }

    /// <summary>One JSON object: collections by generation and reason, large-object allocation ticks by type.</summary>
    public string Json()
    {
        static string Obj(ConcurrentDictionary<string, long> d) => "{" + string.Join(',', d.OrderByDescending(kv => kv.Value).Select(kv => $"\"{kv.Key}\":{kv.Value}")) + "}";
        return $"{{\"gc_starts\":{Obj(_starts)},\"loh_alloc_ticks\":{Obj(_large)}}}";
    }
}
