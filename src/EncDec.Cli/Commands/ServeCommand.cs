using System.CommandLine;
using EncDec.Server;

namespace EncDec.Cli.Commands;

/// <summary>
/// <c>encdec serve --model RUN|FILE|ONNX-DIR [--runtime native|onnx] [--host 127.0.0.1] [--port 8080] [--runs DIR] [limits…]</c>: the HTTP server
/// (translation API with dynamic batching and streaming, the translation page, metrics, the dashboard with --runs).
/// Runs until SIGINT/SIGTERM, then drains the requests in flight and exits 0.
/// </summary>
internal static class ServeCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Run folder or model file to serve", Required = true };
        var (cmd, read) = Common("serve", "Serve a model over HTTP: /v1/translate, /v1/translate/stream, /v1/models, /health, /metrics and a web page.");
        var runtime = new Option<string>("--runtime") { Description = "native, or onnx: serve a folder from `encdec export --format onnx` with ONNX Runtime", DefaultValueFactory = _ => "native" };
        cmd.Add(model);
        cmd.Add(runtime);
        cmd.SetAction(r =>
        {
            var settings = read(r) with { ModelPath = r.GetValue(model)! };
            var kind = RuntimeModel.Parse(r.GetValue(runtime)!);
            settings.Validate();
            using var served = RuntimeModel.LoadServed(settings.ModelPath!, kind);
            return RunUntilStopped(settings, served, stdout);
        });
        return cmd;
    }

    /// <summary>The flags <c>serve</c> and <c>dashboard</c> share, and a reader of their values.</summary>
    internal static (Command Command, Func<ParseResult, ServerSettings> Read) Common(string name, string description)
    {
        var d = new ServerSettings();
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => d.Host };
        var port = new Option<int>("--port") { Description = "Port (0 = a free one)", DefaultValueFactory = _ => d.Port };
        var runs = new Option<string?>("--runs") { Description = "Folder of run folders whose metrics.jsonl the dashboard (/dashboard) shows" };
        var noBatching = new Option<bool>("--no-batching") { Description = "Decode one request at a time" };
        var maxBatch = new Option<int>("--max-batch-size") { Description = "Most texts decoded together", DefaultValueFactory = _ => d.MaxBatchSize };
        var maxWait = new Option<int>("--max-wait-ms") { Description = "How long a batch waits for more requests", DefaultValueFactory = _ => d.MaxWaitMs };
        var queue = new Option<int>("--queue-size") { Description = "Most requests waiting (503 beyond)", DefaultValueFactory = _ => d.QueueCapacity };
        var maxTexts = new Option<int>("--max-texts") { Description = "Most texts per request (413 beyond)", DefaultValueFactory = _ => d.MaxTexts };
        var maxChars = new Option<int>("--max-chars") { Description = "Most characters per text (413 beyond)", DefaultValueFactory = _ => d.MaxChars };
        var maxBody = new Option<int>("--max-body-bytes") { Description = "Largest request body (413 beyond)", DefaultValueFactory = _ => d.MaxBodyBytes };
        var maxOut = new Option<int>("--max-output-length") { Description = "Longest output in tokens (and the default)", DefaultValueFactory = _ => d.MaxOutputLength };
        var timeout = new Option<int>("--timeout-ms") { Description = "Per-request timeout (504 beyond)", DefaultValueFactory = _ => d.RequestTimeoutMs };
        var cmd = new Command(name, description) { host, port, runs, noBatching, maxBatch, maxWait, queue, maxTexts, maxChars, maxBody, maxOut, timeout };
        return (cmd, r => new ServerSettings
        {
            Host = r.GetValue(host)!, Port = r.GetValue(port), RunsDir = r.GetValue(runs), Batching = !r.GetValue(noBatching),
            MaxBatchSize = r.GetValue(maxBatch), MaxWaitMs = r.GetValue(maxWait), QueueCapacity = r.GetValue(queue),
            MaxTexts = r.GetValue(maxTexts), MaxChars = r.GetValue(maxChars), MaxBodyBytes = r.GetValue(maxBody),
            MaxOutputLength = r.GetValue(maxOut), RequestTimeoutMs = r.GetValue(timeout),
        });
    }

    internal static int RunUntilStopped(ServerSettings settings, ServedModel? model, TextWriter stdout)
    {
        var server = EncDecServer.StartAsync(settings, model, handleSignals: true).GetAwaiter().GetResult();
        if (model is not null) stdout.WriteLine($"serving {model.Name} ({model.Architecture}) at {server.Address} — page {server.Address}, API {server.Address}v1/translate");
        if (settings.RunsDir is not null) stdout.WriteLine($"dashboard of {settings.RunsDir} at {new Uri(server.Address, "dashboard")}");
        stdout.WriteLine("Ctrl-C stops (requests in flight are answered first)");
        stdout.Flush();
        server.Stopped.GetAwaiter().GetResult();
        stdout.WriteLine("stopped");
        return 0;
    }
}
