using EncDec.Generation;

namespace EncDec.Server;

/// <summary>
/// One request waiting for (or in) a batch: its texts as <see cref="Translator.Encode"/> encoded them (each with the
/// request's options), its batching key, the caller's completion, and an optional per-token callback for streaming
/// (called on the decode thread).
/// </summary>
public sealed class DecodeJob(IReadOnlyList<EncodedTranslationRequest> sources, string key, Action<int, StreamEvent>? onToken = null)
{
    public IReadOnlyList<EncodedTranslationRequest> Sources { get; } = sources;
    public string Key { get; } = key;
    /// <summary>Called with (text index within this job, event) for every generated token (greedy and sampling).</summary>
    public Action<int, StreamEvent>? OnToken { get; } = onToken;
    public TaskCompletionSource<DecodeOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public long EnqueuedTicks { get; } = Environment.TickCount64;
    private int _abandoned;
    /// <summary>The caller stopped waiting (timeout or disconnect): a queued job is then dropped, not decoded.</summary>
    public bool Abandoned => Volatile.Read(ref _abandoned) != 0;
    public void Abandon() => Interlocked.Exchange(ref _abandoned, 1);
}
