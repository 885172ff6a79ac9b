using EncDec.Server;
using EncDec.Tests.Pipelines;
using Xunit;
using static EncDec.Tests.Server.ServerTestKit;

namespace EncDec.Tests.Server;

/// <summary><c>POST /v1/chat</c> over real HTTP on a free loopback port, with the tiny dialogue model of <see cref="DialogueTestModel"/>.</summary>
[Collection(ServerCollection.Name)]
public sealed class ChatApiTests
{
    private static Task<EncDecServer> StartDialogue() =>
        EncDecServer.StartAsync(new ServerSettings { Host = "127.0.0.1", Port = 0 }, ServedModel.Load(DialogueTestModel.RunDir));

    private const string Conversation = """
        [{"role": "user", "text": "my name is dmitri"}, {"role": "assistant", "text": "noted"},
         {"role": "user", "text": "i have 4 cats"}, {"role": "bot", "text": "noted"}, {"role": "user", "text": "what is my name ?"}]
        """;

    [Fact]
    public async Task Chat_answers_from_the_history_and_streams_the_reply()
    {
        await using var s = await StartDialogue();
        using var c = Client(s);
        var (status, body, _) = await Post(c, "/v1/chat", $$"""{"messages": {{Conversation}}}""");
        Assert.Equal(200, status);
        Assert.Equal("dmitri", body.GetProperty("reply").GetString());
        Assert.Equal("bot", body.GetProperty("speaker").GetString());
        Assert.Equal(1, body.GetProperty("tokens").GetInt32());
        Assert.Equal(DialogueTestModel.Model.Reply([new("user", "my name is dmitri"), new("bot", "noted"), new("user", "i have 4 cats"),
                                                    new("bot", "noted"), new("user", "what is my name ?")]), body.GetProperty("reply").GetString());

        var r = await c.PostAsync("/v1/chat", Json("""{"stream": true, "messages": [{"role": "user", "text": "my name is anna"}, {"role": "bot", "text": "noted"}, {"role": "user", "text": "the weather is nice today"}]}"""));
        Assert.Equal("text/event-stream", r.Content.Headers.ContentType!.MediaType);
        var events = ParseSse(await r.Content.ReadAsStringAsync());
        var tokens = events.Where(e => e.Event == "token").Select(e => e.Data.GetProperty("text").GetString()).ToList();
        Assert.Equal(["indeed", "indeed it", "indeed it is"], tokens);
        Assert.Equal("indeed it is", events[^1].Data.GetProperty("reply").GetString());
        Assert.Equal("done", events[^1].Event);
    }

    [Fact]
    public async Task Chat_mistakes_are_400s_naming_the_field()
    {
        await using var s = await StartDialogue();
        using var c = Client(s);
        var (status, body, _) = await Post(c, "/v1/chat", """{"messages": [{"role": "system", "text": "be nice"}]}""");
        Assert.Equal(400, status);
        Assert.StartsWith("field 'messages[0].role': 'system' is not a speaker of the model", body.GetProperty("error").GetString());
        (status, body, _) = await Post(c, "/v1/chat", """{"messages": [], "temperature": 0.5}""");
        Assert.Equal((400, "field 'messages' must hold at least one message"), (status, body.GetProperty("error").GetString()));
        (status, body, _) = await Post(c, "/v1/chat", """{"messages": [{"role": "user", "text": "hi"}], "top_p": 2}""");
        Assert.Equal((400, "field 'top_p' must be in (0, 1]"), (status, body.GetProperty("error").GetString()));
        (status, body, _) = await Post(c, "/v1/chat", """{"messages": [{"role": "user", "text": "hi"}], "beam": 2}""");
        Assert.Equal(400, status);
        Assert.StartsWith("unknown field 'beam'", body.GetProperty("error").GetString());

        await using var copy = await Start();   // the copy model of the other server tests has no speaker tokens
        using var c2 = Client(copy);
        (status, body, _) = await Post(c2, "/v1/chat", """{"messages": [{"role": "user", "text": "a b"}]}""");
        Assert.Equal(400, status);
        Assert.Contains("is not a dialogue model", body.GetProperty("error").GetString());
    }
}
