using System.Runtime.CompilerServices;
using System.Threading.Channels;
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
        var tokens = Channel.CreateUnbounded<int>();
        var decoding = Task.Run(() =>
        {
            try { SequenceGenerator.Generate(_model, [prompt], o, e => tokens.Writer.TryWrite(e.Token)); }
            finally { tokens.Writer.TryComplete(); }
        }, cancellationToken);
        var sofar = new List<int>();
        string shown = "";
        await foreach (int token in tokens.Reader.ReadAllAsync(cancellationToken))
        {
            if (token == Vocabulary.EosId) break;
            sofar.Add(token);
            string text = _tokenizer.Decode(sofar.ToArray());
            if (text.Length <= shown.Length || !text.StartsWith(shown, StringComparison.Ordinal)) continue;   // a piece that merges later
            var update = new ChatResponseUpdate(ChatRole.Assistant, text[shown.Length..]);
            shown = text;
            yield return update;
        }
        await decoding;
        string final = _tokenizer.Decode(sofar.ToArray());
        if (final.Length > shown.Length && final.StartsWith(shown, StringComparison.Ordinal))
            yield return new ChatResponseUpdate(ChatRole.Assistant, final[shown.Length..]);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }

    private int[] Prompt(IEnumerable<ChatMessage> messages)
    {
        var ids = _tokenizer.Encode(string.Join("\n", messages.Select(m => m.Text)));
        return ids.Length <= ContextTokens ? ids : ids[^ContextTokens..];
    }

    private GenerationOptions Options(ChatOptions? options)
    {
        if (options is null) return _defaults;
        bool sample = options.Temperature is > 0 || options.TopP is not null || options.TopK is not null || options.Seed is not null;
        return _defaults with
        {
            Strategy = sample ? DecodingStrategy.Sample : _defaults.Strategy,
            Temperature = options.Temperature is > 0 and var t ? t : _defaults.Temperature,
            TopP = options.TopP ?? _defaults.TopP,
            TopK = options.TopK ?? _defaults.TopK,
            Seed = options.Seed is { } s ? unchecked((ulong)s) : _defaults.Seed,
            MaxLength = options.MaxOutputTokens ?? _defaults.MaxLength,
        };
    }
}
