using System.Diagnostics;
using System.Net;
using System.Text;
using System.Threading.Channels;
using EncDec.Generation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EncDec.Server;

/// <summary>
/// The EncDec HTTP server (ASP.NET Core, Kestrel): translation with dynamic batching and token streaming, model
/// info, health and Prometheus metrics, the translation page and the training dashboard.
/// <see cref="StopAsync"/> is a graceful shutdown: no new connections, requests in flight are answered (up to
/// <see cref="ServerSettings.ShutdownTimeoutSeconds"/>), then the decode thread ends.
/// </summary>
public sealed partial class EncDecServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly BatchScheduler? _scheduler;
    private readonly RunsReader? _runs;
    private int _stopped;

    public ServerSettings Settings { get; }
    public ServedModel? Model { get; }
    public ServerMetrics Metrics { get; } = new();
    internal BatchScheduler? Scheduler => _scheduler;
    /// <summary>The bound address, e.g. http://127.0.0.1:41234 (the real port when <see cref="ServerSettings.Port"/> is 0).</summary>
    public Uri Address { get; private set; } = null!;
    /// <summary>Completes when the server has stopped (after <see cref="StopAsync"/>, or SIGINT/SIGTERM when run from the CLI).</summary>
    public Task Stopped => _stoppedTcs.Task;
    private readonly TaskCompletionSource _stoppedTcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EncDecServer(ServerSettings settings, ServedModel? model, bool handleSignals)
    {
        Settings = settings; Model = model;
        if (model is not null) _scheduler = new BatchScheduler(model, settings, Metrics);
        if (settings.RunsDir is not null) _runs = new RunsReader(settings.RunsDir);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>(), ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (!handleSignals) builder.Services.AddSingleton<IHostLifetime, NoSignalsLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.ShutdownTimeoutSeconds));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = Math.Max(settings.MaxBodyBytes * 4L, 1 << 20);   // the handlers answer 413 naming max_body_bytes first
            if (settings.Host == "localhost") k.ListenLocalhost(settings.Port);
            else if (IPAddress.TryParse(settings.Host, out var ip)) k.Listen(ip, settings.Port);
            else throw new UserInputException($"--host {settings.Host}: not an IP address or 'localhost'");
        });
        _app = builder.Build();
        _app.UseRouting();
        _app.Use(Instrument);
        Map(_app);
    }

    /// <summary>Starts a server (model loading and settings errors are <see cref="UserInputException"/>s).</summary>
    /// <param name="handleSignals">Stop on SIGINT/SIGTERM (the CLI); tests and benchmarks stop it themselves.</param>
    public static async Task<EncDecServer> StartAsync(ServerSettings settings, ServedModel? model = null, bool handleSignals = false)
    {
        settings.Validate();
        var s = new EncDecServer(settings, model, handleSignals);
        try { await s._app.StartAsync().ConfigureAwait(false); }
        catch (IOException e) { await s.DisposeAsync().ConfigureAwait(false); throw new UserInputException($"--port {settings.Port}: {e.Message}"); }
        var addr = s._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        s.Address = new Uri(addr.Replace("[::]", "localhost", StringComparison.Ordinal));
        s._app.Lifetime.ApplicationStopping.Register(() => _ = s.StopAsync());
        return s;
    }

    /// <summary>Graceful shutdown: refuse new connections, answer the requests in flight, end the decode thread.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) { await Stopped.ConfigureAwait(false); return; }
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(Settings.ShutdownTimeoutSeconds));
            await _app.StopAsync(cts.Token).ConfigureAwait(false);   // Kestrel drains the requests in flight
            if (_scheduler is not null) await _scheduler.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        finally { _stoppedTcs.TrySetResult(); }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task Instrument(HttpContext ctx, RequestDelegate next)
    {
        var sw = Stopwatch.StartNew();
        Metrics.RequestStarted();
        string route = (ctx.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "other";
        try
        {
            await next(ctx).ConfigureAwait(false);
            if (!ctx.Response.HasStarted && ctx.Response.StatusCode is 404 or 405 && ctx.Response.ContentType is null)
                await WriteJson(ctx, ctx.Response.StatusCode, ResponseJson.Error(ctx.Response.StatusCode == 404
                    ? $"no such route: {ctx.Request.Method} {ctx.Request.Path}"
                    : $"method {ctx.Request.Method} is not allowed on {ctx.Request.Path}")).ConfigureAwait(false);
        }
        finally { Metrics.RequestFinished(route, ctx.Response.StatusCode, sw.Elapsed.TotalSeconds); }
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/health", ctx => WriteJson(ctx, 200, ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("status", Volatile.Read(ref _stopped) != 0 ? "stopping" : "ok");
            if (Model is null) w.WriteNull("model"); else w.WriteString("model", Model.Name);
            w.WriteNumber("queue_depth", _scheduler?.QueueDepth ?? 0);
            w.WriteNumber("in_flight", Metrics.InFlight - 1);
            w.WriteEndObject();
        })));
        app.MapGet("/metrics", async ctx =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await ctx.Response.WriteAsync(Metrics.Render()).ConfigureAwait(false);
        });
        app.MapGet("/v1/models", ctx => WriteJson(ctx, 200, ModelsJson()));
        app.MapPost("/v1/translate", ctx => Guard(ctx, () => Translate(ctx, stream: false)));
        app.MapPost("/v1/translate/stream", ctx => Guard(ctx, () => Translate(ctx, stream: true)));
        app.MapPost("/v1/chat", ctx => Guard(ctx, () => Chat(ctx)));
        app.MapGet("/v1/runs", ctx => Guard(ctx, () => WriteJson(ctx, 200, ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("runs");
            foreach (var r in Runs().List()) w.WriteStringValue(r);
            w.WriteEndArray();
            w.WriteEndObject();
        }))));
        app.MapGet("/v1/runs/{name}/metrics", (HttpContext ctx, string name) => Guard(ctx, () =>
        {
            long offset = 0;
            if (ctx.Request.Query.TryGetValue("offset", out var o) && !long.TryParse(o.ToString(), out offset))
                throw new RequestException(400, "query parameter 'offset' must be an integer");
            return WriteJson(ctx, 200, Runs().Read(name, offset));
        }));
        app.MapGet("/", ctx => Asset(ctx, Model is null && _runs is not null ? "dashboard.html" : "index.html"));
        app.MapGet("/dashboard", ctx => Asset(ctx, "dashboard.html"));
        app.MapGet("/static/{name}", (HttpContext ctx, string name) => Asset(ctx, name));
    }

    private RunsReader Runs() => _runs ?? throw new RequestException(404, "no runs folder is served (start with --runs DIR)");

    private static async Task Asset(HttpContext ctx, string name)
    {
        if (StaticAssets.Get(name) is not { } a) { await WriteJson(ctx, 404, ResponseJson.Error($"no such file: {name}")).ConfigureAwait(false); return; }
        ctx.Response.ContentType = a.ContentType;
        ctx.Response.Headers.CacheControl = "no-cache";
        await ctx.Response.Body.WriteAsync(a.Bytes).ConfigureAwait(false);
    }

    /// <summary>Runs a handler; a <see cref="RequestException"/> becomes its status and a one-line JSON error.</summary>
    private static async Task Guard(HttpContext ctx, Func<Task> handler)
    {
        try { await handler().ConfigureAwait(false); }
        catch (RequestException e) when (!ctx.Response.HasStarted)
        {
            if (e.Status == 503) ctx.Response.Headers.RetryAfter = RetryAfterOf(ctx);
            await WriteJson(ctx, e.Status, ResponseJson.Error(e.Message)).ConfigureAwait(false);
        }
    }

    private static string RetryAfterOf(HttpContext ctx) =>
        ctx.Items.TryGetValue("retry_after", out var v) && v is string s ? s : "1";

    private static async Task WriteJson(HttpContext ctx, int status, byte[] body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    private byte[] ModelsJson() => ResponseJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("models");
        if (Model is { } m)
        {
            w.WriteStartObject();
            w.WriteString("name", m.Name);
            w.WriteString("path", m.Info.Path);
            w.WriteString("family", m.Info.Family.ToString().ToLowerInvariant());
            w.WriteString("architecture", m.Architecture);
            w.WriteString("runtime", m.Info.Runtime.ToString().ToLowerInvariant());
            if (m.Info.Parameters is long parameters) w.WriteNumber("parameters", parameters);
            if (m.Info.Step is long step) w.WriteNumber("step", step);
            foreach (var (key, tok) in new[] { ("source_vocabulary", m.Source), ("target_vocabulary", m.Target) })
            {
                w.WriteStartObject(key);
                w.WriteString("kind", tok.Kind.ToString().ToLowerInvariant());
                w.WriteNumber("size", tok.Vocab.Count);
                w.WriteEndObject();
            }
            if (m.Info.ConfigJson is { } config)
            {
                w.WritePropertyName("config");
                w.WriteRawValue(config);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("limits");
        w.WriteBoolean("batching", Settings.Batching);
        w.WriteNumber("max_batch_size", Settings.MaxBatchSize);
        w.WriteNumber("max_wait_ms", Settings.MaxWaitMs);
        w.WriteNumber("queue_size", Settings.QueueCapacity);
        w.WriteNumber("max_texts", Settings.MaxTexts);
        w.WriteNumber("max_chars", Settings.MaxChars);
        w.WriteNumber("max_body_bytes", Settings.MaxBodyBytes);
        w.WriteNumber("max_beam", Settings.MaxBeam);
        w.WriteNumber("max_output_length", Settings.MaxOutputLength);
        w.WriteNumber("timeout_ms", Settings.RequestTimeoutMs);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private async Task<byte[]> ReadBody(HttpContext ctx)
    {
        var type = ctx.Request.ContentType;
        if (type is null || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new RequestException(415, "the body must be JSON (Content-Type: application/json)");
        int limit = Settings.MaxBodyBytes;
        if (ctx.Request.ContentLength > limit)
            throw new RequestException(413, $"the body has {ctx.Request.ContentLength} bytes, more than the limit of {limit} bytes (max_body_bytes)");
        using var ms = new MemoryStream();
        var buf = new byte[16 * 1024];
        int n;
        while ((n = await ctx.Request.Body.ReadAsync(buf, ctx.RequestAborted).ConfigureAwait(false)) > 0)
        {
            ms.Write(buf, 0, n);
            if (ms.Length > limit) throw new RequestException(413, $"the body has more than the limit of {limit} bytes (max_body_bytes)");
        }
        return ms.ToArray();
    }

    private async Task Translate(HttpContext ctx, bool stream)
    {
        if (Model is null || _scheduler is null) throw new RequestException(404, "no model is served (start the server with --model)");
        var body = await ReadBody(ctx).ConfigureAwait(false);
        var req = RequestParser.Parse(body, Settings);
        var sources = Model.Encode(req, Settings);   // the texts, prefix and constraints, encoded by the library's translator
        var options = sources[0].Options;           // the parser refuses a request without texts
        Channel<(int Index, StreamEvent Event)>? tokens = stream ? Channel.CreateUnbounded<(int, StreamEvent)>(new UnboundedChannelOptions { SingleReader = true }) : null;
        var job = new DecodeJob(sources, ServedModel.BatchKey(options), tokens is null ? null : (i, e) => tokens.Writer.TryWrite((i, e)));
        if (!_scheduler.TryEnqueue(job))
        {
            ctx.Items["retry_after"] = Settings.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new RequestException(503, Volatile.Read(ref _stopped) != 0 ? "the server is shutting down"
                : $"the queue is full ({Settings.QueueCapacity} requests waiting, queue_size); retry later");
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        cts.CancelAfter(Settings.RequestTimeoutMs);
        if (!stream)
        {
            DecodeOutcome outcome;
            try { outcome = await job.Completion.Task.WaitAsync(cts.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { job.Abandon(); if (ctx.RequestAborted.IsCancellationRequested) return; throw TimedOut(); }
            await WriteJson(ctx, 200, ResponseJson.Translation(Model, req, outcome)).ConfigureAwait(false);
            return;
        }
        _ = job.Completion.Task.ContinueWith(_ => tokens!.Writer.TryComplete(), TaskScheduler.Default);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/event-stream; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-cache";
        await ctx.Response.StartAsync(ctx.RequestAborted).ConfigureAwait(false);
        var so = new Dictionary<(int, int), List<int>>();
        int streamed = 0;
        try
        {
            await foreach (var (index, ev) in tokens!.Reader.ReadAllAsync(cts.Token).ConfigureAwait(false))
            {
                if (ev.Token == options.EosId) continue;
                if (!so.TryGetValue((index, ev.SequenceIndex), out var ids)) so[(index, ev.SequenceIndex)] = ids = new List<int>();
                ids.Add(ev.Token);
                await Sse(ctx, "token", TokenJson(index, ev.SequenceIndex, ev.Step, ev.Token, ids)).ConfigureAwait(false);
                streamed++;
            }
            var outcome = await job.Completion.Task.WaitAsync(cts.Token).ConfigureAwait(false);
            if (streamed == 0)   // beam search has no per-token events: the best hypotheses' tokens, once the search ends
                for (int i = 0; i < outcome.Results.Count; i++)
                    if (outcome.Results[i].NBest.Count > 0)
                    {
                        var best = outcome.Results[i].NBest[0].Tokens;
                        for (int s = 0; s < best.Length; s++) await Sse(ctx, "token", TokenJson(i, 0, s, best[s], best.Take(s + 1).ToList())).ConfigureAwait(false);
                    }
            await Sse(ctx, "done", ResponseJson.Translation(Model, req, outcome)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            job.Abandon();
            if (!ctx.RequestAborted.IsCancellationRequested)
                await Sse(ctx, "error", ResponseJson.Error(TimedOut().Message)).ConfigureAwait(false);
        }
    }

    private RequestException TimedOut() => new(504, $"the request was not answered within {Settings.RequestTimeoutMs} ms (timeout_ms)");

    private byte[] TokenJson(int index, int sequence, int step, int token, List<int> soFar) => ResponseJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("index", index);
        w.WriteNumber("sequence", sequence);
        w.WriteNumber("step", step);
        w.WriteNumber("id", token);
        w.WriteString("token", Model!.Target.Vocab[token]);
        w.WriteString("text", Model.Target.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(soFar)));
        w.WriteEndObject();
    });

    private static async Task Sse(HttpContext ctx, string ev, byte[] json)
    {
        var head = Encoding.UTF8.GetBytes($"event: {ev}\ndata: ");
        await ctx.Response.Body.WriteAsync(head).ConfigureAwait(false);
        await ctx.Response.Body.WriteAsync(json).ConfigureAwait(false);
        await ctx.Response.Body.WriteAsync("\n\n"u8.ToArray()).ConfigureAwait(false);
        await ctx.Response.Body.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>A host lifetime that leaves SIGINT/SIGTERM alone (tests and benchmarks stop the server themselves).</summary>
    private sealed class NoSignalsLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
