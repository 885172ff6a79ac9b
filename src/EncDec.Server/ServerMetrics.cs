using System.Globalization;
using System.Text;

namespace EncDec.Server;

/// <summary>
/// What <c>GET /metrics</c> reports, in the Prometheus text format: requests by route and status, queue depth,
/// requests in flight, batch sizes, generated tokens, tokens/s over the last 10 s, and request latency.
/// </summary>
public sealed class ServerMetrics
{
    private readonly object _lock = new();
    private readonly Dictionary<(string Route, int Status), long> _requests = new();
    private readonly Queue<(long Ticks, long Tokens)> _recent = new();
    private long _tokens, _batches, _rejected;
    private double _decodeSeconds;
    private int _queueDepth, _inFlight;

    public Histogram Latency { get; } = new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
    public Histogram BatchTexts { get; } = new([1, 2, 4, 8, 16, 32, 64, 128]);
    public Histogram BatchRequests { get; } = new([1, 2, 4, 8, 16, 32, 64, 128]);

    public int InFlight => Volatile.Read(ref _inFlight);

    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    public void RequestFinished(string route, int status, double seconds)
    {
        Interlocked.Decrement(ref _inFlight);
        lock (_lock) _requests[(route, status)] = _requests.GetValueOrDefault((route, status)) + 1;
        Latency.Observe(seconds);
        if (status == 503) Interlocked.Increment(ref _rejected);
    }

    public void SetQueueDepth(int depth) => Volatile.Write(ref _queueDepth, depth);

    public void RecordBatch(int texts, int requests, long tokens, double seconds)
    {
        BatchTexts.Observe(texts);
        BatchRequests.Observe(requests);
        lock (_lock)
        {
            _tokens += tokens; _batches++; _decodeSeconds += seconds;
            _recent.Enqueue((Environment.TickCount64, tokens));
        }
    }

    /// <summary>Generated tokens per second over the last 10 seconds.</summary>
    public double TokensPerSecond
    {
        get
        {
            lock (_lock)
            {
                long now = Environment.TickCount64;
                while (_recent.Count > 0 && now - _recent.Peek().Ticks > 10_000) _recent.Dequeue();
                long sum = 0;
                foreach (var (_, t) in _recent) sum += t;
                return sum / 10.0;
            }
        }
    }

    public string Render()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# HELP encdec_requests_total HTTP requests by route and status.\n# TYPE encdec_requests_total counter\n");
        lock (_lock)
            foreach (var ((route, status), n) in _requests.OrderBy(k => k.Key.Route, StringComparer.Ordinal).ThenBy(k => k.Key.Status))
                sb.Append(inv, $"encdec_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}\n");
        sb.Append(inv, $"# HELP encdec_rejected_total Requests answered 503 because the queue was full.\n# TYPE encdec_rejected_total counter\nencdec_rejected_total {Interlocked.Read(ref _rejected)}\n");
        sb.Append(inv, $"# HELP encdec_queue_depth Requests waiting for a batch.\n# TYPE encdec_queue_depth gauge\nencdec_queue_depth {Volatile.Read(ref _queueDepth)}\n");
        sb.Append(inv, $"# HELP encdec_requests_in_flight Requests being answered.\n# TYPE encdec_requests_in_flight gauge\nencdec_requests_in_flight {InFlight}\n");
        double tps = TokensPerSecond;
        lock (_lock)
        {
            sb.Append(inv, $"# HELP encdec_generated_tokens_total Tokens generated (EOS included), all hypotheses.\n# TYPE encdec_generated_tokens_total counter\nencdec_generated_tokens_total {_tokens}\n");
            sb.Append(inv, $"# HELP encdec_batches_total Batches decoded.\n# TYPE encdec_batches_total counter\nencdec_batches_total {_batches}\n");
            sb.Append(inv, $"# HELP encdec_decode_seconds_total Time spent decoding.\n# TYPE encdec_decode_seconds_total counter\nencdec_decode_seconds_total {_decodeSeconds.ToString("R", inv)}\n");
        }
        sb.Append(inv, $"# HELP encdec_tokens_per_second Generated tokens per second over the last 10 s.\n# TYPE encdec_tokens_per_second gauge\nencdec_tokens_per_second {tps.ToString("R", inv)}\n");
        BatchTexts.Write(sb, "encdec_batch_texts", "Texts per decoded batch.");
        BatchRequests.Write(sb, "encdec_batch_requests", "Requests per decoded batch.");
        Latency.Write(sb, "encdec_request_duration_seconds", "Request latency.");
        return sb.ToString();
    }
}
