namespace EncDec.Generation;

/// <summary>
/// Lexically constrained beam search with dynamic beam allocation (Post &amp; Vilar 2018): every required phrase must
/// appear in each output. Besides the best 2k continuations, each row offers its constraint tokens and its best token;
/// candidates are grouped into banks by the constraint tokens they have met and the beam is shared among banks.
/// EOS is masked until every phrase is met, and only constraint tokens remain once the steps left are just enough.
/// </summary>
internal sealed class ConstrainedBeamSearch(GenerationOptions options) : BeamSearch(options)
{
    private readonly PhraseConstraints _constraints = new(options.RequiredPhrases);
    private readonly List<int> _tokens = new();
    private readonly HashSet<long> _offered = new();
    private readonly int[] _bankSizes = new int[options.RequiredPhrases.Sum(p => p.Length) + 1];

    public override bool MasksRowsConcurrently => false;   // MaskRow fills a shared token buffer

    public override void MaskRow(ConstraintState constraint, int step, int maxLength, Span<float> logProbs)
    {
        if (!_constraints.AllMet(constraint)) logProbs[Options.EosId] = float.NegativeInfinity;
        int needed = _constraints.Needed(constraint), remaining = maxLength - step;
        if (needed == 0 || needed < remaining) return;
        if (needed > remaining) { logProbs.Fill(float.NegativeInfinity); return; }
        _constraints.NextTokens(constraint, _tokens);
        for (int t = 0; t < logProbs.Length; t++) if (!_tokens.Contains(t)) logProbs[t] = float.NegativeInfinity;
    }

    protected override BeamCandidate Candidate(DecodeStep step, int row, int token)
    {
        float logProb = step.LogProbs(row)[token];
        var constraint = step.Rows.Constraint[row];
        if (token != Options.EosId) constraint = _constraints.Advance(constraint, token);
        return new BeamCandidate(step.Rows.Score[row] + logProb, row, token, logProb, constraint, _constraints.MetTokens(constraint));
    }

    protected override void AddCandidates(DecodeStep step, int first, int end, List<BeamCandidate> candidates)
    {
        int v = step.VocabSize;
        _offered.Clear();
        foreach (var c in candidates) _offered.Add((long)c.Row * v + c.Token);
        for (int r = first; r < end; r++)
        {
            var logProbs = step.LogProbs(r);
            _constraints.NextTokens(step.Rows.Constraint[r], _tokens);
            _tokens.Add(TensorPrimitives.IndexOfMax(logProbs));
            foreach (int t in _tokens)
                if (!float.IsNegativeInfinity(logProbs[t]) && _offered.Add((long)r * v + t)) candidates.Add(Candidate(step, r, t));
        }
    }

    /// <summary>
    /// Dynamic beam allocation: the score-sorted candidates are interleaved by bank — the best of the bank with most
    /// constraint tokens met, then the best of the next bank, …, then the second best of each — so that the beam is
    /// shared among banks and an underfilled bank yields its slots.
    /// </summary>
    protected override void Rank(List<BeamCandidate> candidates)
    {
        Array.Clear(_bankSizes);
        var keyed = new (int Rank, int Bank, int Index)[candidates.Count];
        for (int i = 0; i < candidates.Count; i++) keyed[i] = (_bankSizes[candidates[i].Bank]++, candidates[i].Bank, i);
        Array.Sort(keyed, static (x, y) => x.Rank != y.Rank ? x.Rank.CompareTo(y.Rank) : x.Bank != y.Bank ? y.Bank.CompareTo(x.Bank) : x.Index.CompareTo(y.Index));
        var copy = candidates.ToArray();
        for (int i = 0; i < keyed.Length; i++) candidates[i] = copy[keyed[i].Index];
    }
}
