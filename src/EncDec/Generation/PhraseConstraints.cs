namespace EncDec.Generation;

/// <summary>
/// Progress of one hypothesis on the required phrases: which phrases are met, and the phrase (if any) whose
/// first <see cref="Position"/> tokens end the output so far.
/// </summary>
internal readonly record struct ConstraintState(ulong Met, int Phrase, int Position)
{
    public static readonly ConstraintState Start = new(0, -1, 0);
}

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

    /// <summary>The state after appending <paramref name="token"/>.</summary>
    public ConstraintState Advance(ConstraintState s, int token)
    {
        if (s.Phrase >= 0)
        {
            var ph = _phrases[s.Phrase];
            if (ph[s.Position] == token)
                return s.Position + 1 == ph.Length ? new ConstraintState(s.Met | 1UL << s.Phrase, -1, 0) : s with { Position = s.Position + 1 };
            s = s with { Phrase = -1, Position = 0 };      // progress broken
        }
        for (int i = 0; i < _phrases.Length; i++)
        {
            if ((s.Met >> i & 1) != 0 || _phrases[i][0] != token) continue;
            return _phrases[i].Length == 1 ? new ConstraintState(s.Met | 1UL << i, -1, 0) : new ConstraintState(s.Met, i, 1);
        }
        return s;
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
