using Xunit;
using static EncDec.Tests.Server.ServerTestKit;

namespace EncDec.Tests.Server;

/// <summary>Graceful shutdown: requests in flight when it starts are answered; afterwards nothing is listening.</summary>
[Collection(ServerCollection.Name)]
public sealed class ServerShutdownTests
{
    [Fact]
    public async Task StopAnswersTheRequestsInFlightThenRefusesConnections()
    {
        var s = await Start();
        var address = s.Address;
        using var c = Client(s);
        s.Scheduler!.Hold();
        var plain = Enumerable.Range(0, 3).Select(i => Post(c, "/v1/translate", $$"""{"texts": ["{{"abc"[i]}} b"], "max_length": 20}""")).ToList();
        var stream = c.PostAsync("/v1/translate/stream", Json("""{"texts": ["d e f"], "max_length": 20}"""));
        await Until(() => s.Scheduler.QueueDepth == 4, "four requests in flight");
        var stop = s.StopAsync();
        await Task.Delay(200);
        Assert.False(stop.IsCompleted);   // it waits for them
        s.Scheduler.Release();
        await stop.WaitAsync(TimeSpan.FromSeconds(30));
        var done = await Task.WhenAll(plain);
        Assert.All(done, r => Assert.Equal(200, r.Status));
        Assert.Equal("a b", done[0].Body.GetProperty("results")[0].GetProperty("hypotheses")[0].GetProperty("text").GetString());
        var events = ParseSse(await (await stream).Content.ReadAsStringAsync());
        Assert.Equal("done", events[^1].Event);
        using var fresh = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => fresh.GetAsync("/health"));
    }
}
