using System.Text.Json;
using EncDec.Generation;
using EncDec.Server;
using Xunit;
using static EncDec.Tests.Server.ServerTestKit;

namespace EncDec.Tests.Server;

/// <summary>The translation API over real HTTP on a loopback port: results equal the library's, streaming, n-best, constraints, attention.</summary>
[Collection(ServerCollection.Name)]
public sealed class ServerApiTests
{
    private static Translation Direct(string text, GenerationOptions o) =>
        new Translator(Served.Model, Served.Source, Served.Target, o).Translate(new[] { text })[0];

    [Fact]
    public async Task Translate_ReturnsWhatTheTranslatorReturns()
    {
        await using var s = await Start();
        using var c = Client(s);
        var (status, body, _) = await Post(c, "/v1/translate", """{"texts": ["a b c d", "h g f"], "max_length": 30}""");
        Assert.Equal(200, status);
        var results = body.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        var greedy = new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = 30 };
        for (int i = 0; i < 2; i++)
        {
            string src = i == 0 ? "a b c d" : "h g f";
            var expected = Direct(src, greedy).NBest[0];
            var hyp = results[i].GetProperty("hypotheses")[0];
            Assert.Equal(expected.Text, hyp.GetProperty("text").GetString());
            Assert.Equal(expected.Score, hyp.GetProperty("score").GetSingle(), 3);
        }
        Assert.Equal("a b c d", results[0].GetProperty("hypotheses")[0].GetProperty("text").GetString());   // the model copies
        Assert.Equal("copy", body.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Stream_SendsOneEventPerTokenThenTheFinalText()
    {
        await using var s = await Start();
        using var c = Client(s);
        var r = await c.PostAsync("/v1/translate/stream", Json("""{"texts": ["a b c d e"], "max_length": 30}"""));
        Assert.Equal("text/event-stream", r.Content.Headers.ContentType!.MediaType);
        var events = ParseSse(await r.Content.ReadAsStringAsync());
        var tokens = events.Where(e => e.Event == "token").ToList();
        var done = events.Single(e => e.Event == "done");
        Assert.Equal("done", events[^1].Event);
        string final = done.Data.GetProperty("results")[0].GetProperty("hypotheses")[0].GetProperty("text").GetString()!;
        Assert.Equal("a b c d e", final);
        Assert.Equal(final.Length, tokens.Count);                       // char model: one token per character
        Assert.Equal(Enumerable.Range(0, tokens.Count), tokens.Select(t => t.Data.GetProperty("step").GetInt32()));
        Assert.Equal(final, tokens[^1].Data.GetProperty("text").GetString());
        Assert.Equal("a", tokens[0].Data.GetProperty("text").GetString());
    }

    [Fact]
    public async Task NBest_BeamReturnsThreeHypothesesBestFirstAsTheLibraryDoes()
    {
        await using var s = await Start();
        using var c = Client(s);
        var (status, body, _) = await Post(c, "/v1/translate", """{"texts": ["c a b"], "beam": 4, "n_best": 3, "length_penalty": 0.6, "max_length": 20, "return_scores": true}""");
        Assert.Equal(200, status);
        var hyps = body.GetProperty("results")[0].GetProperty("hypotheses").EnumerateArray().ToList();
        Assert.Equal(3, hyps.Count);
        var expected = Direct("c a b", new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 4, NBest = 3, LengthPenalty = 0.6f, MaxLength = 20 });
        Assert.Equal(expected.NBest.Select(h => h.Text), hyps.Select(h => h.GetProperty("text").GetString()));
        var norm = hyps.Select(h => h.GetProperty("normalized_score").GetDouble()).ToList();
        Assert.True(norm[0] >= norm[1] && norm[1] >= norm[2], string.Join(", ", norm));
        foreach (var h in hyps)   // token scores: one per token plus EOS, summing to the score
        {
            var ts = h.GetProperty("token_scores").EnumerateArray().Select(x => x.GetDouble()).ToList();
            Assert.Equal(h.GetProperty("tokens").GetArrayLength() + 1, ts.Count);
            Assert.Equal(h.GetProperty("score").GetDouble(), ts.Sum(), 3);
        }
    }

    [Fact]
    public async Task Sampling_NBestDrawsAndTemperature()
    {
        await using var s = await Start();
        using var c = Client(s);
        var (status, body, _) = await Post(c, "/v1/translate", """{"texts": ["a b"], "strategy": "sample", "n_best": 3, "temperature": 1.5, "top_p": 0.9, "seed": 5, "max_length": 10}""");
        Assert.Equal(200, status);
        Assert.Equal(3, body.GetProperty("results")[0].GetProperty("hypotheses").GetArrayLength());
    }

    [Fact]
    public async Task Constraints_EveryOutputContainsThePhrase()
    {
        await using var s = await Start();
        using var c = Client(s);
        var (status, body, _) = await Post(c, "/v1/translate", """{"texts": ["a b c", "d e"], "constraints": ["h h"], "max_length": 20, "n_best": 2}""");
        Assert.Equal(200, status);
        foreach (var r in body.GetProperty("results").EnumerateArray())
            foreach (var h in r.GetProperty("hypotheses").EnumerateArray())
                Assert.Contains("h h", h.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Prefix_ForcesTheStartOfTheOutput()
    {
        await using var s = await Start();
        using var c = Client(s);
        var (_, body, _) = await Post(c, "/v1/translate", """{"texts": ["a b c"], "prefix": "g g", "max_length": 20}""");
        Assert.StartsWith("g g", body.GetProperty("results")[0].GetProperty("hypotheses")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Attention_RowsPerOutputTokenColumnsPerSourceTokenSummingToOne()
    {
        await using var s = await Start();
        using var c = Client(s);
        var (status, body, _) = await Post(c, "/v1/translate", """{"texts": ["a b c d"], "beam": 3, "n_best": 2, "return_attention": true, "max_length": 20}""");
        Assert.Equal(200, status);
        var r = body.GetProperty("results")[0];
        int srcLen = r.GetProperty("source_tokens").GetArrayLength();
        Assert.Equal(7, srcLen);   // "a b c d" in characters
        foreach (var h in r.GetProperty("hypotheses").EnumerateArray())
        {
            var att = h.GetProperty("attention");
            Assert.Equal(h.GetProperty("tokens").GetArrayLength() + 1, att.GetArrayLength());
            foreach (var row in att.EnumerateArray())
            {
                Assert.Equal(srcLen, row.GetArrayLength());
                Assert.Equal(1.0, row.EnumerateArray().Sum(x => x.GetDouble()), 2);
            }
        }
        var expected = Direct("a b c d", new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 3, NBest = 2, LengthPenalty = 0.6f, MaxLength = 20, ReturnAttention = true });
        Assert.Equal(expected.Attention![0, 0], r.GetProperty("hypotheses")[0].GetProperty("attention")[0][0].GetSingle(), 4);
    }

    [Fact]
    public async Task ModelsHealthAndMetrics()
    {
        await using var s = await Start();
        using var c = Client(s);
        var models = JsonDocument.Parse(await c.GetStringAsync("/v1/models")).RootElement;
        var m = models.GetProperty("models")[0];
        Assert.Equal("transformer", m.GetProperty("family").GetString());
        Assert.Equal(Served.Target.Vocab.Count, m.GetProperty("target_vocabulary").GetProperty("size").GetInt32());
        Assert.Equal(32, m.GetProperty("config").GetProperty("d_model").GetInt32());
        Assert.Equal(64, models.GetProperty("limits").GetProperty("max_texts").GetInt32());
        var health = JsonDocument.Parse(await c.GetStringAsync("/health")).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        await Post(c, "/v1/translate", """{"texts": ["a", "b"]}""");
        await Post(c, "/v1/translate", """{"texts": "a"}""");
        var metrics = await c.GetStringAsync("/metrics");
        Assert.Contains("encdec_requests_total{route=\"/v1/translate\",status=\"200\"} 1\n", metrics);
        Assert.Contains("encdec_requests_total{route=\"/v1/translate\",status=\"400\"} 1\n", metrics);
        Assert.Contains("encdec_batch_texts_bucket{le=\"2\"} 1\n", metrics);
        Assert.Contains("encdec_batches_total 1\n", metrics);
        Assert.Contains("encdec_queue_depth 0\n", metrics);
        Assert.Contains("encdec_request_duration_seconds_count", metrics);
        Assert.Matches(@"encdec_tokens_per_second [0-9.]+\n", metrics);
    }

    [Fact]
    public async Task ConcurrentRequestsWithTheSameOptionsAreDecodedInOneBatch()
    {
        await using var s = await Start();
        using var c = Client(s);
        s.Scheduler!.Hold();
        var texts = new[] { "a b", "c d e", "f", "g h a b" };
        var calls = texts.Select(t => Post(c, "/v1/translate", $$"""{"texts": ["{{t}}"], "max_length": 20}""")).ToList();
        var other = Post(c, "/v1/translate", """{"texts": ["a b"], "beam": 2, "max_length": 20}""");   // other options: its own batch
        await Until(() => s.Scheduler.QueueDepth == 5, "five queued requests");
        s.Scheduler.Release();
        var results = await Task.WhenAll(calls);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(200, results[i].Status);
            Assert.Equal(4, results[i].Body.GetProperty("batch").GetProperty("requests").GetInt32());
            Assert.Equal(texts[i], results[i].Body.GetProperty("results")[0].GetProperty("hypotheses")[0].GetProperty("text").GetString());
        }
        Assert.Equal(1, (await other).Body.GetProperty("batch").GetProperty("requests").GetInt32());
    }

    [Fact]
    public async Task WithoutBatchingEachRequestIsDecodedAlone()
    {
        await using var s = await Start(new ServerSettings { Batching = false });
        using var c = Client(s);
        s.Scheduler!.Hold();
        var calls = Enumerable.Range(0, 3).Select(_ => Post(c, "/v1/translate", """{"texts": ["a b"], "max_length": 20}""")).ToList();
        await Until(() => s.Scheduler.QueueDepth == 3, "three queued requests");
        s.Scheduler.Release();
        foreach (var r in await Task.WhenAll(calls)) Assert.Equal(1, r.Body.GetProperty("batch").GetProperty("requests").GetInt32());
    }
}
