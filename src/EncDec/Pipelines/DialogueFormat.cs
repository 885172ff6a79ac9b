using EncDec.Data;
using EncDec.Generation;
using EncDec.Text;

namespace EncDec.Pipelines;

/// <summary>
/// How a dialogue model reads a conversation: an encoder-decoder whose source is the history — each turn opened by its
/// speaker's token, the most recent turns that fit in <see cref="ContextTokens"/> — followed by the token of the speaker
/// who answers, and whose target is the reply. Speaker tokens are control tokens of the vocabulary named
/// <c>&lt;|NAME|&gt;</c>; their ids always come from the vocabulary (turn texts are encoded on their own, never with the
/// token's text pasted in).
/// </summary>
public sealed class DialogueFormat
{
    private readonly Dictionary<string, int> _speakerIds;

    public ITokenizer Tokenizer { get; }
    /// <summary>The speakers the vocabulary has tokens for, in id order.</summary>
    public IReadOnlyList<string> Speakers { get; }
    /// <summary>Source budget in tokens (speaker tokens included): older turns that do not fit are dropped.</summary>
    public int ContextTokens { get; }

    private DialogueFormat(ITokenizer tokenizer, IReadOnlyList<string> speakers, int contextTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextTokens, 2);
        Tokenizer = tokenizer; Speakers = speakers; ContextTokens = contextTokens;
        _speakerIds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in speakers)
            _speakerIds[s] = tokenizer.Vocab.TryGetId(SpeakerToken(s), out int id) ? id : throw new ArgumentException($"no token for speaker '{s}'");
    }

    /// <summary>The control token of a speaker.</summary>
    public static string SpeakerToken(string speaker) => "<|" + speaker + "|>";

    /// <summary>The speaker of a control token made by <see cref="SpeakerToken"/>, or null.</summary>
    public static string? SpeakerOf(string token) =>
        token.Length > 4 && token.StartsWith("<|", StringComparison.Ordinal) && token.EndsWith("|>", StringComparison.Ordinal) ? token[2..^2] : null;

    /// <summary>The speakers of a set of conversations, in order of first appearance (the control tokens a tokenizer is trained with).</summary>
    public static List<string> SpeakersOf(IEnumerable<Conversation> conversations)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<string>();
        foreach (var c in conversations)
            foreach (var t in c.Turns)
                if (seen.Add(t.Speaker)) list.Add(t.Speaker);
        return list;
    }

    /// <summary>The format of a tokenizer whose control tokens include speaker tokens (else a <see cref="UserInputException"/> naming <paramref name="what"/>).</summary>
    public static DialogueFormat FromTokenizer(ITokenizer tokenizer, int contextTokens, string what = "the model")
        => TryFromTokenizer(tokenizer, contextTokens)
           ?? throw new UserInputException($"{what}: not a dialogue model (its vocabulary has no <|speaker|> tokens; train one with `encdec dialogue train`)");

    /// <summary>The format of a tokenizer with speaker tokens, or null.</summary>
    public static DialogueFormat? TryFromTokenizer(ITokenizer tokenizer, int contextTokens)
    {
        var speakers = tokenizer.Vocab.ControlTokens.Select(SpeakerOf).OfType<string>().ToList();
        return speakers.Count == 0 ? null : new DialogueFormat(tokenizer, speakers, contextTokens);
    }

    public bool HasSpeaker(string speaker) => _speakerIds.ContainsKey(speaker);

    /// <summary>The id of a speaker's token (an unknown speaker is a <see cref="UserInputException"/>).</summary>
    public int SpeakerId(string speaker) => _speakerIds.TryGetValue(speaker, out int id) ? id
        : throw new UserInputException($"unknown speaker '{speaker}': the model knows {string.Join(", ", Speakers)}");

    /// <summary>One turn's ids: its speaker's token, then its text.</summary>
    public int[] TurnIds(DialogueTurn turn) => [SpeakerId(turn.Speaker), .. Tokenizer.Encode(turn.Text)];

    /// <summary>
    /// The source for the reply of <paramref name="replySpeaker"/> after <paramref name="history"/>: the most recent turns
    /// that fit in <see cref="ContextTokens"/> − 1, then the reply speaker's token.
    /// </summary>
    public int[] Source(IReadOnlyList<DialogueTurn> history, string replySpeaker) => Source(history.Select(TurnIds).ToList(), replySpeaker);

    /// <summary><see cref="Source(IReadOnlyList{DialogueTurn}, string)"/> over turns already encoded by <see cref="TurnIds"/>.</summary>
    public int[] Source(IReadOnlyList<int[]> historyIds, string replySpeaker)
    {
        int reply = SpeakerId(replySpeaker);
        var kept = historyIds.Count == 0 ? [] : DialogueContext.BuildJoined(historyIds, ContextTokens - 1);
        return [.. kept, reply];
    }

    /// <summary>
    /// The training examples of a conversation: one per turn after the first (only the turns of <paramref name="replySpeakers"/>
    /// when given) with a non-empty text; its source is the history before it.
    /// </summary>
    public IEnumerable<Example> Examples(Conversation conversation, IReadOnlySet<string>? replySpeakers = null)
        => Pairs(conversation, replySpeakers).Select(p => p.Example);

    /// <summary><see cref="Examples"/> with the raw text of each reply (what validation scores against).</summary>
    public IEnumerable<(Example Example, string Reply)> Pairs(Conversation conversation, IReadOnlySet<string>? replySpeakers = null)
    {
        var ids = conversation.Turns.Select(TurnIds).ToList();
        for (int i = 1; i < ids.Count; i++)
        {
            var turn = conversation.Turns[i];
            if (replySpeakers is not null && !replySpeakers.Contains(turn.Speaker)) continue;
            var target = ids[i][1..];
            if (target.Length == 0) continue;
            yield return (new Example(Source(ids.GetRange(0, i), turn.Speaker), target), turn.Text);
        }
    }
}
