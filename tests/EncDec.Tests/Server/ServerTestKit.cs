using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EncDec.Data;
using EncDec.IO;
using EncDec.Server;
using EncDec.Tests.Models;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Server;

/// <summary>The server tests start real servers on loopback ports; one class at a time keeps the cores for them.</summary>
[CollectionDefinition(Name)]
public sealed class ServerCollection { public const string Name = "server"; }

/// <summary>
/// A tiny char-level copy model (Transformer d 32, one layer each side) trained for a few seconds, saved once per
/// test run, and helpers to start servers on free loopback ports and call them over HTTP.
/// </summary>
internal static class ServerTestKit
{
    private static readonly Lazy<string> ModelFileLazy = new(TrainModel, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The model file (a copy task over the letters a–h, space separated).</summary>
    public static string ModelFile => ModelFileLazy.Value;

    private static ServedModel? _served;
    public static ServedModel Served => _served ??= ServedModel.Load(ModelFile);

    private static string TrainModel()
    {
        var opts = new SyntheticOptions { MinLength = 2, MaxLength = 6, Alphabet = ModelTestKit.Alphabet };
        var pairs = SyntheticTasks.Generate(SyntheticTask.Copy, 1500, seed: 3, opts);
        var src = Tokenizer.Train(TokenizerKind.Char, pairs.Select(p => p.Source), 100);
        var tgt = Tokenizer.Train(TokenizerKind.Char, pairs.Select(p => p.Target), 100);
        var examples = Examples.Tokenize(pairs, src, tgt);
        var config = ModelTestKit.Transformer(src.Vocab.Count, tgt.Vocab.Count, d: 32, heads: 2, ffn: 64, layers: 1);
        var (model, _) = ModelTestKit.Train(config, examples, ModelTestKit.Options(steps: 250, lr: 3e-3, warmup: 30), batchSize: 32);
        model.Eval();
        var dir = Directory.CreateTempSubdirectory("encdec-serve-model-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } };
        var path = Path.Combine(dir, "copy.safetensors");
        ModelStore.Save(path, model, config, src, tgt);
        return path;
    }

    /// <summary>Starts a server on a free loopback port with <paramref name="settings"/> (port forced to 0).</summary>
    public static Task<EncDecServer> Start(ServerSettings? settings = null, bool withModel = true) =>
        EncDecServer.StartAsync((settings ?? new ServerSettings()) with { Host = "127.0.0.1", Port = 0 }, withModel ? Served : null);

    public static HttpClient Client(EncDecServer s) => new() { BaseAddress = s.Address, Timeout = TimeSpan.FromSeconds(60) };

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> Post(HttpClient c, string path, string json)
    {
        var r = await c.PostAsync(path, Json(json));
        var text = await r.Content.ReadAsStringAsync();
        return ((int)r.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), r);
    }

    /// <summary>The (event, data) pairs of a server-sent-events body.</summary>
    public static List<(string Event, JsonElement Data)> ParseSse(string body)
    {
        var list = new List<(string, JsonElement)>();
        foreach (var block in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? ev = null, data = null;
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) ev = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
            }
            Assert.NotNull(ev); Assert.NotNull(data);
            list.Add((ev!, JsonDocument.Parse(data!).RootElement.Clone()));
        }
        return list;
    }

    /// <summary>Polls until <paramref name="condition"/> holds (at most 30 s: the CI machine may be busy).</summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        var end = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > end) throw new TimeoutException("timed out waiting for " + what);
            await Task.Delay(10);
        }
    }

    public static MediaTypeHeaderValue JsonType => new("application/json");
}
