using EncDec.Interop.Ai;
using EncDec.Tests.Pipelines;
using Microsoft.Extensions.AI;
using Xunit;

namespace EncDec.Tests.Interop;

public class DialogueChatClientTests
{
    [Fact]
    public async Task A_dialogue_model_answers_from_the_history_and_streams_through_IChatClient()
    {
        IChatClient client = new EncDecDialogueChatClient(DialogueTestModel.Model);
        List<ChatMessage> history =
        [
            new(ChatRole.User, "i have 4 cats"), new(ChatRole.Assistant, "noted"),
            new(ChatRole.User, "my name is boris"), new(ChatRole.Assistant, "noted"),
            new(ChatRole.User, "how many cats do i have ?"),
        ];
        var reply = await client.GetResponseAsync(history);
        Assert.Equal("4", reply.Text);
        history.Add(reply.Messages[0]);
        history.Add(new ChatMessage(ChatRole.User, "what is my name ?"));
        Assert.Equal("boris", (await client.GetResponseAsync(history)).Text);

        var updates = new List<string>();
        await foreach (var u in client.GetStreamingResponseAsync([new(ChatRole.User, "my name is anna"), new(ChatRole.Assistant, "noted"),
                                                                  new(ChatRole.User, "the weather is nice today")]))
        {
            Assert.Equal(ChatRole.Assistant, u.Role);
            updates.Add(u.Text);
        }
        Assert.Equal(["indeed", " it", " is"], updates);   // one update per generated token
        Assert.Same(client, client.GetService(typeof(IChatClient)));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new(ChatRole.System, "be brief")]));
    }
}
