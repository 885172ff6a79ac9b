using System.Runtime.CompilerServices;
using EncDec.Data;
using EncDec.Generation;
using EncDec.Pipelines;
using Microsoft.Extensions.AI;

namespace EncDec.Interop.Ai;

/// <summary>
/// An EncDec dialogue model (<c>encdec dialogue train</c>) behind Microsoft.Extensions.AI's <see cref="IChatClient"/>: each
/// message is a turn of the history — <see cref="ChatRole.User"/> is the model's user speaker, <see cref="ChatRole.Assistant"/>
/// its bot, any other role must name one of the model's speakers — and the reply is the bot's next turn (the most recent
/// turns within the model's context budget are its source). Greedy by default; <see cref="ChatOptions.Temperature"/>,
/// <see cref="ChatOptions.TopP"/>, <see cref="ChatOptions.TopK"/> and <see cref="ChatOptions.Seed"/> switch to sampling,
/// <see cref="ChatOptions.MaxOutputTokens"/> bounds the reply. Streaming yields one update per generated token.
/// </summary>
public sealed class EncDecDialogueChatClient(DialogueModel model, GenerationOptions? defaults = null) : IChatClient
{
    private readonly GenerationOptions _defaults = defaults ?? DialogueModel.DefaultOptions;

    public DialogueModel Model { get; } = model;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var history = History(messages);
        var o = Options(options);
        return Task.Run(() => new ChatResponse(new ChatMessage(ChatRole.Assistant, Model.Reply(history, o))), cancellationToken);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
                                                                               [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = History(messages);
        var o = Options(options);
        await foreach (var update in ChatClientSupport.Stream(onToken => Model.Reply(history, o, onToken: onToken), ids => Model.Target.Decode(ids), o.EosId, cancellationToken))
            yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }

    /// <summary>The messages as turns of the model's speakers.</summary>
    private List<DialogueTurn> History(IEnumerable<ChatMessage> messages) => messages.Select(m =>
    {
        string role = m.Role.Value;
        string speaker = m.Role == ChatRole.User ? Model.Settings.User
            : m.Role == ChatRole.Assistant ? Model.Settings.Bot
            : Model.Format.HasSpeaker(role) ? role
            : throw new ArgumentException($"role '{role}' is not a speaker of the dialogue model ({string.Join(", ", Model.Format.Speakers)})", nameof(messages));
        return new DialogueTurn(speaker, m.Text);
    }).ToList();

    private GenerationOptions Options(ChatOptions? options) => ChatClientSupport.Apply(_defaults, options);
}
