namespace EncDec.Text;

/// <summary>
/// A bidirectional token ↔ id map. Ids 0–4 are the special tokens (<see cref="SpecialToken"/>),
/// followed by the user-defined control tokens (e.g. <c>&lt;2fr&gt;</c>), followed by ordinary tokens.
/// </summary>
public sealed class Vocabulary
{
    /// <summary>Padding id.</summary>
    public const int PadId = (int)SpecialToken.Pad;
    /// <summary>Beginning-of-sequence id.</summary>
    public const int BosId = (int)SpecialToken.Bos;
    /// <summary>End-of-sequence id.</summary>
    public const int EosId = (int)SpecialToken.Eos;
    /// <summary>Unknown-token id.</summary>
    public const int UnkId = (int)SpecialToken.Unk;
    /// <summary>Mask id.</summary>
    public const int MaskId = (int)SpecialToken.Mask;
    /// <summary>Number of special tokens (ids below this are special).</summary>
    public const int SpecialCount = 5;

    private static readonly string[] SpecialStrings = ["<pad>", "<s>", "</s>", "<unk>", "<mask>"];

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanIds;

    /// <summary>The text of a special token.</summary>
    public static string SpecialText(SpecialToken token) => SpecialStrings[(int)token];

    private Vocabulary(string[] tokens, int controlCount)
    {
        _tokens = tokens;
        ControlCount = controlCount;
        _ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
            if (!_ids.TryAdd(tokens[i], i))
                throw new ArgumentException($"duplicate token '{tokens[i]}' in vocabulary");
        _spanIds = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Total number of tokens, specials and control tokens included.</summary>
    public int Count => _tokens.Length;

    /// <summary>Number of user-defined control tokens (ids <see cref="SpecialCount"/> onwards).</summary>
    public int ControlCount { get; }

    /// <summary>The first id of an ordinary (non-special, non-control) token.</summary>
    public int FirstOrdinaryId => SpecialCount + ControlCount;

    /// <summary>All tokens by id.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The control tokens, in id order.</summary>
    public IReadOnlyList<string> ControlTokens => new ArraySegment<string>(_tokens, SpecialCount, ControlCount);

    /// <summary>The token text of <paramref name="id"/>.</summary>
    public string this[int id] => _tokens[id];

    /// <summary>Looks up a token's id.</summary>
    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    /// <summary>Looks up a token's id without allocating.</summary>
    public bool TryGetId(ReadOnlySpan<char> token, out int id) => _spanIds.TryGetValue(token, out id);

    /// <summary>The id of <paramref name="token"/>, or <see cref="UnkId"/>.</summary>
    public int GetIdOrUnk(string token) => _ids.TryGetValue(token, out int id) ? id : UnkId;

    /// <summary>True for the special tokens and the control tokens.</summary>
    public bool IsSpecialOrControl(int id) => (uint)id < (uint)FirstOrdinaryId;

    /// <summary>True for a user-defined control token.</summary>
    public bool IsControl(int id) => id >= SpecialCount && id < FirstOrdinaryId;

    /// <summary>
    /// Builds a vocabulary from a token stream: tokens seen at least <paramref name="minFreq"/> times,
    /// most frequent first (ties broken by ordinal string order), so the whole vocabulary has at most
    /// <paramref name="maxSize"/> entries (specials and control tokens included; 0 or less means unlimited).
    /// </summary>
    public static Vocabulary Build(IEnumerable<string> tokens, int minFreq, int maxSize, IEnumerable<string>? controlTokens)
        => Build(tokens, minFreq, maxSize, controlTokens, reserved: null);

    internal static Vocabulary Build(IEnumerable<string> tokens, int minFreq, int maxSize,
        IEnumerable<string>? controlTokens, IReadOnlyList<string>? reserved)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var t in tokens)
        {
            ref long c = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, t, out _);
            c++;
        }
        return FromCounts(counts, minFreq, maxSize, controlTokens, reserved);
    }

    internal static Vocabulary FromCounts(Dictionary<string, long> counts, int minFreq, int maxSize,
        IEnumerable<string>? controlTokens, IReadOnlyList<string>? reserved)
    {
        var head = Head(controlTokens, out int controlCount);
        var taken = new HashSet<string>(head, StringComparer.Ordinal);
        if (reserved != null)
            foreach (var r in reserved)
                if (taken.Add(r)) head.Add(r);
        if (maxSize > 0 && maxSize < head.Count)
            throw new UserInputException($"vocabulary size {maxSize} is smaller than the {head.Count} reserved tokens");
        var ranked = counts.Where(kv => kv.Value >= Math.Max(1, minFreq) && !taken.Contains(kv.Key))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Key);
        if (maxSize > 0) ranked = ranked.Take(maxSize - head.Count);
        head.AddRange(ranked);
        return new Vocabulary(head.ToArray(), controlCount);
    }

    /// <summary>Creates a vocabulary from ordinary tokens in id order (specials and control tokens are prepended).</summary>
    public static Vocabulary FromTokens(IEnumerable<string> ordinaryTokens, IEnumerable<string>? controlTokens)
    {
        var head = Head(controlTokens, out int controlCount);
        head.AddRange(ordinaryTokens);
        return new Vocabulary(head.ToArray(), controlCount);
    }

    /// <summary>Restores a vocabulary from its full token list (as saved), checking the special tokens.</summary>
    internal static Vocabulary FromSaved(IReadOnlyList<string> all, int controlCount)
    {
        if (all.Count < SpecialCount + controlCount || controlCount < 0)
            throw new ArgumentException("vocabulary is shorter than its special and control tokens");
        for (int i = 0; i < SpecialCount; i++)
            if (all[i] != SpecialStrings[i])
                throw new ArgumentException($"token {i} must be '{SpecialStrings[i]}' but is '{all[i]}'");
        return new Vocabulary(all.ToArray(), controlCount);
    }

    private static List<string> Head(IEnumerable<string>? controlTokens, out int controlCount)
    {
        var head = new List<string>(SpecialStrings);
        var seen = new HashSet<string>(SpecialStrings, StringComparer.Ordinal);
        controlCount = 0;
        if (controlTokens != null)
            foreach (var c in controlTokens)
            {
                if (string.IsNullOrEmpty(c) || c.Any(char.IsWhiteSpace))
                    throw new UserInputException($"control token '{c}' must be non-empty and contain no whitespace");
                if (!seen.Add(c))
                    throw new UserInputException($"control token '{c}' is duplicated or clashes with a special token");
                head.Add(c);
                controlCount++;
            }
        return head;
    }
}
