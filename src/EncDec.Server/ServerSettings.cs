namespace EncDec.Server;

/// <summary>
/// Immutable settings of one server: where it listens, what it serves, and its limits. Every limit is named in the
/// error a request that breaks it receives (by the property's snake_case name, e.g. <c>max_texts</c>).
/// </summary>
public sealed record ServerSettings
{
    /// <summary>Address to listen on (loopback by default).</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>Port; 0 picks a free one (see <see cref="EncDecServer.Address"/>).</summary>
    public int Port { get; init; } = 8080;
    /// <summary>Run folder or model file to serve; null serves only the dashboard.</summary>
    public string? ModelPath { get; init; }
    /// <summary>Folder of run folders (each with a metrics.jsonl) for the dashboard; null = no dashboard data.</summary>
    public string? RunsDir { get; init; }
    /// <summary>Dynamic batching: concurrent requests with the same options are decoded together. False = one request at a time.</summary>
    public bool Batching { get; init; } = true;
    /// <summary>Most source texts decoded in one batch (a single larger request is still decoded whole).</summary>
    public int MaxBatchSize { get; init; } = 32;
    /// <summary>How long the first request of a batch waits for others to join, in milliseconds.</summary>
    public int MaxWaitMs { get; init; } = 5;
    /// <summary>Most requests waiting to be decoded; one more is answered 503 with Retry-After.</summary>
    public int QueueCapacity { get; init; } = 256;
    /// <summary>Most texts in one request (413 beyond).</summary>
    public int MaxTexts { get; init; } = 64;
    /// <summary>Most characters in one text (413 beyond).</summary>
    public int MaxChars { get; init; } = 2000;
    /// <summary>Largest request body in bytes (413 beyond).</summary>
    public int MaxBodyBytes { get; init; } = 1 << 20;
    /// <summary>Largest beam a request may ask for (400 beyond).</summary>
    public int MaxBeam { get; init; } = 16;
    /// <summary>Longest output a request may ask for, in tokens (400 beyond); also the default.</summary>
    public int MaxOutputLength { get; init; } = 200;
    /// <summary>A request not answered within this many milliseconds gets 504.</summary>
    public int RequestTimeoutMs { get; init; } = 30_000;
    /// <summary>Seconds a graceful shutdown waits for requests in flight.</summary>
    public int ShutdownTimeoutSeconds { get; init; } = 30;
    /// <summary>Seconds sent in Retry-After with a 503.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>Throws <see cref="UserInputException"/> naming the first invalid setting (by its CLI flag).</summary>
    public void Validate()
    {
        static void Need(bool ok, string flag, string what) { if (!ok) throw new UserInputException($"{flag} {what}"); }
        Need(Port is >= 0 and <= 65535, "--port", "must be in [0, 65535]");
        Need(!string.IsNullOrWhiteSpace(Host), "--host", "must not be empty");
        Need(MaxBatchSize >= 1, "--max-batch-size", "must be at least 1");
        Need(MaxWaitMs >= 0, "--max-wait-ms", "must be at least 0");
        Need(QueueCapacity >= 1, "--queue-size", "must be at least 1");
        Need(MaxTexts >= 1, "--max-texts", "must be at least 1");
        Need(MaxChars >= 1, "--max-chars", "must be at least 1");
        Need(MaxBodyBytes >= 64, "--max-body-bytes", "must be at least 64");
        Need(MaxBeam >= 1, "--max-beam", "must be at least 1");
        Need(MaxOutputLength >= 1, "--max-output-length", "must be at least 1");
        Need(RequestTimeoutMs >= 1, "--timeout-ms", "must be at least 1");
        Need(ShutdownTimeoutSeconds >= 0, "--shutdown-timeout", "must be at least 0");
        if (RunsDir is not null && !Directory.Exists(RunsDir)) throw new UserInputException(RunsDir, null, "--runs folder not found");
    }
}
