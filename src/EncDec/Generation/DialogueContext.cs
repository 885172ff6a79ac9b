namespace EncDec.Generation;

/// <summary>
/// Builds a model input from a multi-turn dialogue history: turns joined by a separator token, keeping the most
/// recent turns that fit in a token budget (separators count). Oldest turns are dropped first and a turn is never
/// cut, except when the most recent turn alone exceeds the budget: then only its last <c>budget</c> tokens are kept.
/// </summary>
public sealed class DialogueContext
{
    private readonly List<int[]> _turns = new();

    public int SeparatorId { get; }
    public int MaxTokens { get; }
    public IReadOnlyList<int[]> Turns => _turns;

    public DialogueContext(int separatorId, int maxTokens)
    {
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), "the budget must be ≥ 1 token");
        SeparatorId = separatorId; MaxTokens = maxTokens;
    }

    /// <summary>Appends a turn (a user utterance or a generated reply).</summary>
    public DialogueContext AddTurn(IEnumerable<int> turn)
    {
        _turns.Add(turn.ToArray());
        return this;
    }

    public void Clear() => _turns.Clear();

    /// <summary>The model input for the current history.</summary>
    public int[] Build() => Build(_turns, SeparatorId, MaxTokens);

    /// <summary>The most recent turns of <paramref name="turns"/> (oldest first) joined by <paramref name="separatorId"/> within <paramref name="maxTokens"/>.</summary>
    public static int[] Build(IReadOnlyList<int[]> turns, int separatorId, int maxTokens) => Build(turns, (int?)separatorId, maxTokens);

    /// <summary>
    /// The most recent turns of <paramref name="turns"/> (oldest first) concatenated without a separator within
    /// <paramref name="maxTokens"/> (for turns that open with their own speaker token).
    /// </summary>
    public static int[] BuildJoined(IReadOnlyList<int[]> turns, int maxTokens) => Build(turns, null, maxTokens);

    private static int[] Build(IReadOnlyList<int[]> turns, int? separatorId, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        ArgumentNullException.ThrowIfNull(turns);
        if (turns.Count == 0) return Array.Empty<int>();
        var lastTurn = turns[^1];
        if (lastTurn.Length > maxTokens) return lastTurn.AsSpan(lastTurn.Length - maxTokens).ToArray();
        int first = turns.Count - 1, total = lastTurn.Length;
        int sep = separatorId is null ? 0 : 1;
        while (first > 0 && total + sep + turns[first - 1].Length <= maxTokens)
        {
            first--;
            total += sep + turns[first].Length;
        }
        var result = new int[total];
        int at = 0;
        for (int i = first; i < turns.Count; i++)
        {
            if (i > first && separatorId is { } id) result[at++] = id;
            turns[i].CopyTo(result, at);
            at += turns[i].Length;
        }
        return result;
    }
}
