using System.Net;
using System.Text;
using System.Text.Json;
using EncDec.Server;
using Xunit;
using static EncDec.Tests.Server.ServerTestKit;

namespace EncDec.Tests.Server;

/// <summary>Every 4xx answer over real HTTP: status, and one line naming the field or limit.</summary>
[Collection(ServerCollection.Name)]
public sealed class ServerErrorTests
{
    private static readonly ServerSettings Small = new() { MaxTexts = 3, MaxChars = 20, MaxBodyBytes = 400, MaxBeam = 8, MaxOutputLength = 50 };

    public static TheoryData<string, int, string> Bodies => new()
    {
        { "{\"texts\": [\"a\"", 400, "invalid JSON" },
        { "[\"a\"]", 400, "must be a JSON object" },
        { "{}", 400, "field 'texts' is required" },
        { "{\"texts\": []}", 400, "field 'texts' must not be empty" },
        { "{\"texts\": \"a b\"}", 400, "field 'texts' must be an array of strings" },
        { "{\"texts\": [1]}", 400, "field 'texts[0]' must be a string" },
        { "{\"texts\": [\"a\"], \"colour\": 1}", 400, "unknown field 'colour'" },
        { "{\"texts\": [\"a\"], \"beam\": 0}", 400, "field 'beam' must be in [1, 8]" },
        { "{\"texts\": [\"a\"], \"beam\": 9}", 400, "field 'beam' must be in [1, 8]" },
        { "{\"texts\": [\"a\"], \"beam\": 2.5}", 400, "field 'beam' must be an integer" },
        { "{\"texts\": [\"a\"], \"beam\": 2, \"n_best\": 3}", 400, "field 'n_best' (3) must be at most 'beam' (2)" },
        { "{\"texts\": [\"a\"], \"strategy\": \"greedy\", \"n_best\": 2}", 400, "field 'n_best' must be 1 with greedy" },
        { "{\"texts\": [\"a\"], \"strategy\": \"fast\"}", 400, "field 'strategy' must be one of" },
        { "{\"texts\": [\"a\"], \"temperature\": 0}", 400, "field 'temperature' must be greater than 0" },
        { "{\"texts\": [\"a\"], \"top_p\": 1.5}", 400, "field 'top_p' must be in (0, 1]" },
        { "{\"texts\": [\"a\"], \"top_k\": -1}", 400, "field 'top_k' must be at least 0" },
        { "{\"texts\": [\"a\"], \"min_p\": \"x\"}", 400, "field 'min_p' must be a number" },
        { "{\"texts\": [\"a\"], \"max_length\": 51}", 400, "field 'max_length' must be in [1, 50]" },
        { "{\"texts\": [\"a\"], \"seed\": -1}", 400, "field 'seed' must be a non-negative integer" },
        { "{\"texts\": [\"a\"], \"return_attention\": \"yes\"}", 400, "field 'return_attention' must be true or false" },
        { "{\"texts\": [\"a\"], \"strategy\": \"sample\", \"constraints\": [\"a\"]}", 400, "field 'constraints' needs strategy 'beam'" },
        { "{\"texts\": [\"a\"], \"constraints\": [\"\"]}", 400, "field 'constraints[0]' must be a non-empty string" },
        { "{\"texts\": [\"a\"], \"prefix\": 3}", 400, "field 'prefix' must be a string" },
        { "{\"texts\": [\"a\", \"b\", \"c\", \"d\"]}", 413, "4 texts, more than the limit of 3 (max_texts)" },
        { "{\"texts\": [\"a\", \"aaaaaaaaaaaaaaaaaaaaaaaaa\"]}", 413, "field 'texts[1]' has 25 characters, more than the limit of 20 (max_chars)" },
        { "{\"texts\": [\"a\"]" + new string(' ', 400) + "}", 413, "limit of 400 bytes (max_body_bytes)" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task BadRequestsNameTheFieldOrLimit(string json, int status, string message)
    {
        await using var s = await Start(Small);
        using var c = Client(s);
        foreach (var path in new[] { "/v1/translate", "/v1/translate/stream" })
        {
            var (got, body, _) = await Post(c, path, json);
            Assert.Equal(status, got);
            var error = body.GetProperty("error").GetString()!;
            Assert.Contains(message, error);
            Assert.DoesNotContain('\n', error);
        }
    }

    [Fact]
    public async Task OtherClientErrors()
    {
        await using var s = await Start(Small);
        using var c = Client(s);
        var text = await c.PostAsync("/v1/translate", new StringContent("{\"texts\": [\"a\"]}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Contains("Content-Type: application/json", await text.Content.ReadAsStringAsync());
        var missing = await c.GetAsync("/v1/nothing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no such route: GET /v1/nothing", await missing.Content.ReadAsStringAsync());
        var method = await c.GetAsync("/v1/translate");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, method.StatusCode);
        Assert.Contains("method GET is not allowed on /v1/translate", await method.Content.ReadAsStringAsync());
        var runs = await c.GetAsync("/v1/runs");   // no --runs folder
        Assert.Equal(HttpStatusCode.NotFound, runs.StatusCode);
        Assert.Contains("--runs", await runs.Content.ReadAsStringAsync());
        var asset = await c.GetAsync("/static/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, asset.StatusCode);
    }

    [Fact]
    public async Task NoModelMeansNoTranslation()
    {
        await using var s = await Start(withModel: false);
        using var c = Client(s);
        var (status, body, _) = await Post(c, "/v1/translate", "{\"texts\": [\"a\"]}");
        Assert.Equal(404, status);
        Assert.Contains("--model", body.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(await c.GetStringAsync("/health")).RootElement.GetProperty("model").ValueKind);
    }

    [Fact]
    public async Task FullQueueAnswers503WithRetryAfter()
    {
        await using var s = await Start(new ServerSettings { QueueCapacity = 2 });
        using var c = Client(s);
        s.Scheduler!.Hold();
        var queued = new[] { Post(c, "/v1/translate", "{\"texts\": [\"a\"]}"), Post(c, "/v1/translate", "{\"texts\": [\"b\"]}") };
        await Until(() => s.Scheduler.QueueDepth == 2, "two queued requests");
        var (status, body, response) = await Post(c, "/v1/translate", "{\"texts\": [\"c\"]}");
        Assert.Equal(503, status);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter!.Delta);
        Assert.Contains("queue is full", body.GetProperty("error").GetString());
        var (streamStatus, _, _) = await Post(c, "/v1/translate/stream", "{\"texts\": [\"c\"]}");
        Assert.Equal(503, streamStatus);
        s.Scheduler.Release();
        foreach (var q in await Task.WhenAll(queued)) Assert.Equal(200, q.Status);
        Assert.Contains("encdec_rejected_total 2\n", await c.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task ARequestNotAnsweredInTimeGets504()
    {
        await using var s = await Start(new ServerSettings { RequestTimeoutMs = 150 });
        using var c = Client(s);
        s.Scheduler!.Hold();
        var (status, body, _) = await Post(c, "/v1/translate", "{\"texts\": [\"a\"]}");
        Assert.Equal(504, status);
        Assert.Contains("within 150 ms (timeout_ms)", body.GetProperty("error").GetString());
        var stream = await c.PostAsync("/v1/translate/stream", Json("{\"texts\": [\"a\"]}"));
        var events = ParseSse(await stream.Content.ReadAsStringAsync());
        Assert.Equal("error", Assert.Single(events).Event);
        s.Scheduler.Release();
        await Until(() => s.Scheduler.QueueDepth == 0, "the abandoned requests dropped");
        var (after, _, _) = await Post(c, "/v1/translate", "{\"texts\": [\"a\"]}");
        Assert.Equal(200, after);
        Assert.Contains("encdec_batches_total 1\n", await c.GetStringAsync("/metrics"));   // the timed-out ones were never decoded
    }
}
