using System.Runtime.CompilerServices;
using System.Threading.Channels;
using EncDec.Generation;
using Microsoft.Extensions.AI;

namespace EncDec.Interop.Ai;

/// <summary>What EncDec's <see cref="IChatClient"/> implementations share: chat options onto generation options, and token streaming.</summary>
internal static class ChatClientSupport
{
    /// <summary>
    /// <paramref name="defaults"/> with the chat options applied: a temperature above 0, top-p, top-k or a seed switch to
    /// sampling; <see cref="ChatOptions.MaxOutputTokens"/> bounds the reply.
    /// </summary>
    public static GenerationOptions Apply(GenerationOptions defaults, ChatOptions? options)
    {
        if (options is null) return defaults;
        bool sample = options.Temperature is > 0 || options.TopP is not null || options.TopK is not null || options.Seed is not null;
        return defaults with
        {
            Strategy = sample ? DecodingStrategy.Sample : defaults.Strategy,
            Temperature = options.Temperature is > 0 and var t ? t : defaults.Temperature,
            TopP = options.TopP ?? defaults.TopP,
            TopK = options.TopK ?? defaults.TopK,
            Seed = options.Seed is { } s ? unchecked((ulong)s) : defaults.Seed,
            MaxLength = options.MaxOutputTokens ?? defaults.MaxLength,
        };
    }

    /// <summary>
    /// Runs <paramref name="decode"/> (which reports each generated token to the callback it is given) on the thread pool
    /// and yields one update per token: the text it adds after detokenising everything so far (a piece that only merges
    /// with a later one waits for it), up to <paramref name="eosId"/>.
    /// </summary>
    public static async IAsyncEnumerable<ChatResponseUpdate> Stream(Action<Action<int>> decode, Func<int[], string> detokenize, int eosId,
                                                                    [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tokens = Channel.CreateUnbounded<int>();
        var decoding = Task.Run(() =>
        {
            try { decode(t => tokens.Writer.TryWrite(t)); }
            finally { tokens.Writer.TryComplete(); }
        }, cancellationToken);
        var sofar = new List<int>();
        string shown = "";
        await foreach (int token in tokens.Reader.ReadAllAsync(cancellationToken))
        {
            if (token == eosId) break;
            sofar.Add(token);
            string text = detokenize(sofar.ToArray());
            if (text.Length <= shown.Length || !text.StartsWith(shown, StringComparison.Ordinal)) continue;   // a piece that merges later
            var update = new ChatResponseUpdate(ChatRole.Assistant, text[shown.Length..]);
            shown = text;
            yield return update;
        }
        await decoding;
        string final = detokenize(sofar.ToArray());
        if (final.Length > shown.Length && final.StartsWith(shown, StringComparison.Ordinal))
            yield return new ChatResponseUpdate(ChatRole.Assistant, final[shown.Length..]);
    }
}
