using EncDec.Data;
using EncDec.Interop.Ai;
using EncDec.Models;
using EncDec.Tests.Models;
using EncDec.Text;
using EncDec.Training;
using Microsoft.Extensions.AI;
using Xunit;

namespace EncDec.Tests.Interop;

public class ChatClientTests
{
    [Fact]
    public async Task A_trained_language_model_replies_and_streams_through_IChatClient()
    {
        // a tiny char-level LM that has learned to answer "hi" with "hello there" and "bye" with "see you"
        var pairs = new[] { ("hi", "hello there"), ("bye", "see you") };
        var tok = Tokenizer.Train(TokenizerKind.Char, pairs.SelectMany(p => new[] { p.Item1, p.Item2 }), 100);
        var examples = Enumerable.Repeat(pairs, 32).SelectMany(p => p).Select(p => new Example(tok.Encode(p.Item1), tok.Encode(p.Item2))).ToList();
        var config = new ModelConfig
        {
            Family = ModelFamily.DecoderOnly, TgtVocabSize = tok.Vocab.Count, DModel = 32, Heads = 2, FeedForward = 64, DecoderLayers = 1, Seed = 4,
        };
        var model = ModelFactory.BuildLanguageModel(config);
        new Trainer(model, ModelTestKit.Options(120, lr: 3e-3, warmup: 10), examples, null, new BatcherOptions { BatchSize = 16 }).Train();
        model.Eval();

        IChatClient client = new EncDecChatClient(model, tok);
        var reply = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);
        Assert.Equal("hello there", reply.Text);

        var updates = new List<string>();
        await foreach (var u in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "bye")]))
        {
            Assert.Equal(ChatRole.Assistant, u.Role);
            updates.Add(u.Text);
        }
        Assert.True(updates.Count >= 5, $"one update per token, got {updates.Count}");
        Assert.Equal("see you", string.Concat(updates));
        Assert.Same(client, client.GetService(typeof(IChatClient)));
    }
}
