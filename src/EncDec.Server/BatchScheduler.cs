using System.Diagnostics;
using EncDec.Generation;

namespace EncDec.Server;

/// <summary>
/// Dynamic batching on one decode thread. Requests wait in a bounded queue; the thread takes the oldest, waits up to
/// <see cref="ServerSettings.MaxWaitMs"/> for more requests with the same batching key, and decodes up to
/// <see cref="ServerSettings.MaxBatchSize"/> texts in one <see cref="Translator.Decode"/> call (one length-sorted chunk),
/// then hands each request its own translations. With batching off every request is decoded alone, in arrival order.
/// <see cref="StopAsync"/> decodes what is queued, then ends the thread.
/// </summary>
public sealed class BatchScheduler : IDisposable
{
    private readonly ServedModel _model;
    private readonly ServerSettings _settings;
    private readonly ServerMetrics _metrics;
    private readonly LinkedList<DecodeJob> _queue = new();
    private readonly object _lock = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _stopping;
    private bool _held;

    public BatchScheduler(ServedModel model, ServerSettings settings, ServerMetrics metrics)
    {
        _model = model; _settings = settings; _metrics = metrics;
        _thread = new Thread(Loop) { IsBackground = true, Name = "encdec-decode" };
        _thread.Start();
    }

    /// <summary>Requests waiting for a batch.</summary>
    public int QueueDepth { get { lock (_lock) return _queue.Count; } }

    /// <summary>Queues a job; false when the queue is full (the caller answers 503) or the scheduler is stopping.</summary>
    public bool TryEnqueue(DecodeJob job)
    {
        lock (_lock)
        {
            if (_stopping || _queue.Count >= _settings.QueueCapacity) return false;
            _queue.AddLast(job);
            _metrics.SetQueueDepth(_queue.Count);
            Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>Finishes the queued jobs, then ends the decode thread.</summary>
    public Task StopAsync()
    {
        lock (_lock) { _stopping = true; Monitor.PulseAll(_lock); }
        return _stopped.Task;
    }

    public void Dispose() => StopAsync();

    /// <summary>Tests: keep queued requests waiting (even while stopping) until <see cref="Release"/>.</summary>
    internal void Hold() { lock (_lock) _held = true; }

    internal void Release() { lock (_lock) { _held = false; Monitor.PulseAll(_lock); } }

    private void Loop()
    {
        try
        {
            while (NextBatch() is { } batch) Decode(batch);
        }
        finally { _stopped.TrySetResult(); }
    }

    /// <summary>The next batch (null once stopping and empty): the oldest live job plus same-key jobs that arrive in time.</summary>
    private List<DecodeJob>? NextBatch()
    {
        lock (_lock)
        {
            while (true)
            {
                DropAbandoned();
                if (_queue.Count > 0 && !_held) break;
                if (_held) { Monitor.Wait(_lock); continue; }
                if (_stopping) return null;
                Monitor.Wait(_lock);
            }
            var first = _queue.First!.Value;
            if (_settings.Batching && _settings.MaxWaitMs > 0)
            {
                long deadline = first.EnqueuedTicks + _settings.MaxWaitMs;
                while (!_stopping && CompatibleTexts(first) < _settings.MaxBatchSize)
                {
                    long left = deadline - Environment.TickCount64;
                    if (left <= 0) break;
                    Monitor.Wait(_lock, TimeSpan.FromMilliseconds(left));
                }
            }
            var batch = new List<DecodeJob> { first };
            _queue.RemoveFirst();
            int texts = first.Sources.Count;
            if (_settings.Batching)
            {
                for (var node = _queue.First; node is not null && texts < _settings.MaxBatchSize;)
                {
                    var next = node.Next;
                    var j = node.Value;
                    if (j.Key == first.Key && !j.Abandoned && texts + j.Sources.Count <= _settings.MaxBatchSize)
                    {
                        batch.Add(j); texts += j.Sources.Count; _queue.Remove(node);
                    }
                    node = next;
                }
            }
            _metrics.SetQueueDepth(_queue.Count);
            return batch;
        }
    }

    private int CompatibleTexts(DecodeJob first)
    {
        int n = 0;
        foreach (var j in _queue) if (j.Key == first.Key && !j.Abandoned) n += j.Sources.Count;
        return n;
    }

    private void DropAbandoned()
    {
        for (var node = _queue.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Abandoned) { node.Value.Completion.TrySetCanceled(); _queue.Remove(node); }
            node = next;
        }
    }

    private void Decode(List<DecodeJob> batch)
    {
        var sources = new List<EncodedTranslationRequest>();
        var owner = new List<(DecodeJob Job, int Index)>();
        foreach (var j in batch)
            for (int i = 0; i < j.Sources.Count; i++) { sources.Add(j.Sources[i]); owner.Add((j, i)); }
        bool streaming = batch.Any(j => j.OnToken is not null);
        Action<StreamEvent>? onToken = streaming ? ev =>
        {
            var (job, index) = owner[ev.SourceIndex];
            job.OnToken?.Invoke(index, ev with { SourceIndex = index });
        } : null;
        var sw = Stopwatch.StartNew();
        IReadOnlyList<Translation> results;
        try
        {
            results = _model.Translator.Decode(sources, onToken: onToken);
        }
        catch (Exception e)
        {
            foreach (var j in batch) j.Completion.TrySetException(e);
            return;
        }
        double seconds = sw.Elapsed.TotalSeconds;
        long tokens = 0;
        foreach (var r in results) foreach (var h in r.NBest) tokens += h.Tokens.Length + 1;
        _metrics.RecordBatch(sources.Count, batch.Count, tokens, seconds);
        int at = 0;
        foreach (var j in batch)
        {
            var mine = results.Skip(at).Take(j.Sources.Count).ToArray();
            at += mine.Length;
            j.Completion.TrySetResult(new DecodeOutcome(mine, sources.Count, batch.Count, seconds));
        }
    }
}
