namespace EncDec.Generation;

/// <summary>Unordered lexical constraints (each phrase must appear contiguously somewhere in the output).</summary>
internal sealed class PhraseConstraints
{
    private readonly int[][] _phrases;
    private readonly ulong _all;

    public int TotalTokens { get; }
    public int Count => _phrases.Length;

    public PhraseConstraints(IReadOnlyList<int[]> phrases)
    {
        if (phrases.Count > 64) throw new ArgumentException("at most 64 required phrases");
        _phrases = phrases.Select(p => (int[])p.Clone()).ToArray();
        _all = phrases.Count == 64 ? ulong.MaxValue : (1UL << phrases.Count) - 1;
        TotalTokens = _phrases.Sum(p => p.Length);
    }

    public bool AllMet(ConstraintState s) => s.Met == _all;

    /// <summary>Constraint tokens covered: full met phrases plus the matched part of the phrase in progress (the bank).</summary>
    public int MetTokens(ConstraintState s)
    {
        int n = s.Phrase >= 0 ? s.Position : 0;
        for (int i = 0; i < _phrases.Length; i++) if ((s.Met >> i & 1) != 0) n += _phrases[i].Length;
        return n;
    }

    public int Needed(ConstraintState s) => TotalTokens - MetTokens(s);

    /// <summary>
    /// The state after appending <paramref name="token"/>. The phrase in progress is the one whose longest prefix ends the
    /// output (its matched part plus the token), so overlapping partial matches are kept: with <c>a a b</c> required,
    /// <c>a a a</c> still has <c>a a</c> matched. A completed phrase is marked met and the search goes on in what follows.
    /// </summary>
    public ConstraintState Advance(ConstraintState s, int token)
    {
        // the output's tail that can matter: the matched part of the phrase in progress, then the token
        int matched = s.Phrase >= 0 ? s.Position : 0;
        Span<int> tail = matched < 64 ? stackalloc int[matched + 1] : new int[matched + 1];
        if (matched > 0) _phrases[s.Phrase].AsSpan(0, matched).CopyTo(tail);
        tail[matched] = token;
        ulong met = s.Met;
        if (s.Phrase >= 0 && _phrases[s.Phrase][matched] == token && matched + 1 == _phrases[s.Phrase].Length)
        {
            met |= 1UL << s.Phrase;                                   // the phrase in progress is complete
            tail = tail[1..];                                         // what may start another phrase
        }
        var (phrase, length) = LongestPrefixEnding(tail, met, preferred: s.Phrase);
        while (phrase >= 0 && length == _phrases[phrase].Length)    // a shorter phrase completed inside the tail
        {
            met |= 1UL << phrase;
            (phrase, length) = LongestPrefixEnding(tail, met, preferred: -1);
        }
        return phrase < 0 ? new ConstraintState(met, -1, 0) : new ConstraintState(met, phrase, length);
    }

    /// <summary>
    /// The unmet phrase with the longest prefix that is a suffix of <paramref name="tail"/>, and that length (ties: the
    /// <paramref name="preferred"/> phrase, else the first); (-1, 0) when no phrase starts in it.
    /// </summary>
    private (int Phrase, int Length) LongestPrefixEnding(ReadOnlySpan<int> tail, ulong met, int preferred)
    {
        for (int length = tail.Length; length >= 1; length--)
        {
            var suffix = tail[(tail.Length - length)..];
            int found = -1;
            for (int i = 0; i < _phrases.Length; i++)
            {
                if ((met >> i & 1) != 0 || _phrases[i].Length < length || !_phrases[i].AsSpan(0, length).SequenceEqual(suffix)) continue;
                if (i == preferred) { found = i; break; }
                if (found < 0) found = i;
            }
            if (found >= 0) return (found, length);
        }
        return (-1, 0);
    }

    /// <summary>Tokens that advance the constraints: the continuation of the phrase in progress, else the first token of each unmet phrase.</summary>
    public void NextTokens(ConstraintState s, List<int> into)
    {
        into.Clear();
        if (s.Phrase >= 0) { into.Add(_phrases[s.Phrase][s.Position]); return; }
        for (int i = 0; i < _phrases.Length; i++)
            if ((s.Met >> i & 1) == 0 && !into.Contains(_phrases[i][0])) into.Add(_phrases[i][0]);
    }
}
