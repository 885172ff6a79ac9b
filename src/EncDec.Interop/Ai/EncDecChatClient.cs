using System.Runtime.CompilerServices;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Text;
using Microsoft.Extensions.AI;

namespace EncDec.Interop.Ai;

/// <summary>
/// An EncDec decoder-only model behind Microsoft.Extensions.AI's <see cref="IChatClient"/>, so .NET code written against
/// those abstractions can use it: the conversation's message texts, joined by newlines, are the prompt (cut to its most
/// recent <see cref="ContextTokens"/> tokens), and the model's continuation is the assistant's reply. Greedy decoding by
/// default; <see cref="ChatOptions.Temperature"/>, <see cref="ChatOptions.TopP"/>, <see cref="ChatOptions.TopK"/> and
/// <see cref="ChatOptions.Seed"/> switch to sampling, <see cref="ChatOptions.MaxOutputTokens"/> bounds the reply.
/// Streaming yields one update per generated token (the text it adds after detokenisation).
/// </summary>
public sealed class EncDecChatClient : IChatClient
{
    private readonly ILanguageModel _model;
    private readonly ITokenizer _tokenizer;
    private readonly GenerationOptions _defaults;

    /// <summary>Most recent prompt tokens kept (the model's positions minus room for the reply).</summary>
    public int ContextTokens { get; }

    public EncDecChatClient(ILanguageModel model, ITokenizer tokenizer, int contextTokens = 256, GenerationOptions? defaults = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextTokens, 1);
        _model = model; _tokenizer = tokenizer; ContextTokens = contextTokens;
        _defaults = defaults ?? new GenerationOptions { MaxLength = 64 };
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = Prompt(messages);
        var o = Options(options);
        return Task.Run(() =>
        {
            var result = SequenceGenerator.Generate(_model, [prompt], o);
            string text = _tokenizer.Decode(result[0].Hypotheses[0].Tokens);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, text));
        }, cancellationToken);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
                                                                               [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompt = Prompt(messages);
        var o = Options(options);
        await foreach (var update in ChatClientSupport.Stream(onToken => SequenceGenerator.Generate(_model, [prompt], o, e => onToken(e.Token)), ids => _tokenizer.Decode(ids), Vocabulary.EosId, cancellationToken))
            yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }

    private int[] Prompt(IEnumerable<ChatMessage> messages)
    {
        var ids = _tokenizer.Encode(string.Join("\n", messages.Select(m => m.Text)));
        return ids.Length <= ContextTokens ? ids : ids[^ContextTokens..];
    }

    private GenerationOptions Options(ChatOptions? options) => ChatClientSupport.Apply(_defaults, options);
}
