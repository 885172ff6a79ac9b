namespace EncDec.Generation;

/// <summary>
/// Beam search: each source keeps <see cref="GenerationOptions.BeamSize"/> live hypotheses. Per step and source, the best
/// 2k (row, token) continuations are ranked; an EOS among the first k finishes a hypothesis, the first k others stay live,
/// and the source stops by the rule documented on <see cref="GenerationOptions.EarlyStopping"/>.
/// </summary>
internal class BeamSearch(GenerationOptions options) : ISearchStrategy
{
    private readonly CandidateHeap _heap = new(2 * options.BeamSize);
    private readonly List<BeamCandidate> _candidates = new();
    private FinishedBeams[] _finished = Array.Empty<FinishedBeams>();

    protected GenerationOptions Options { get; } = options;
    protected int BeamSize => Options.BeamSize;

    public LiveRows Start(int batchSize, int stride)
    {
        _finished = Enumerable.Range(0, batchSize).Select(_ => new FinishedBeams(BeamSize)).ToArray();
        return LiveRows.OnePerSource(batchSize, stride);
    }

    public virtual void MaskRow(ConstraintState constraint, int step, int maxLength, Span<float> logProbs) { }

    public virtual bool MasksRowsConcurrently => true;

    public void Choose(DecodeStep step, List<Continuation> next)
    {
        var rows = step.Rows;
        for (int first = 0; first < rows.Count;)
        {
            int source = rows.Source[first], end = first;
            while (end < rows.Count && rows.Source[end] == source) end++;     // a source's rows are contiguous
            Gather(step, first, end);
            ChooseForSource(step, source, next);
            first = end;
        }
    }

    /// <summary>Fills the candidates of rows [first, end) (one source), ranked.</summary>
    private void Gather(DecodeStep step, int first, int end)
    {
        var rows = step.Rows;
        _heap.Clear();
        for (int r = first; r < end; r++) _heap.OfferRow(step.LogProbs(r), rows.Score[r], r);
        _candidates.Clear();
        for (int i = 0; i < _heap.Count; i++) _candidates.Add(Candidate(step, _heap.Row(i), _heap.Token(i)));
        AddCandidates(step, first, end, _candidates);
        _candidates.Sort(BeamCandidate.BestFirst);
        Rank(_candidates);
    }

    /// <summary>Walks the ranked candidates: EOS among the first k finishes, the first k others stay live.</summary>
    private void ChooseForSource(DecodeStep step, int source, List<Continuation> next)
    {
        int liveBefore = next.Count, live = 0;
        var finished = _finished[source];
        for (int i = 0; i < _candidates.Count && live < BeamSize; i++)
        {
            var c = _candidates[i];
            if (c.Token == Options.EosId)
            {
                if (i >= BeamSize) continue;
                float normalized = c.Score / SequenceGenerator.LengthPenaltyFactor(step.Step + 1, Options.LengthPenalty);
                finished.Add(c.Score, normalized, new HypothesisNode(step.Rows.History[c.Row], c.Token, c.LogProb, step.AttentionOf(c.Row)));
            }
            else { next.Add(c.ToContinuation()); live++; }
        }
        if (SourceDone(finished, next, liveBefore, step.Step + 1, step.MaxLength(source))) next.RemoveRange(liveBefore, next.Count - liveBefore);
    }

    /// <summary>The candidate for extending <paramref name="row"/> by <paramref name="token"/>.</summary>
    protected virtual BeamCandidate Candidate(DecodeStep step, int row, int token)
    {
        float logProb = step.LogProbs(row)[token];
        return new BeamCandidate(step.Rows.Score[row] + logProb, row, token, logProb, step.Rows.Constraint[row], 0);
    }

    /// <summary>Candidates beyond the best 2k (none for plain beam search).</summary>
    protected virtual void AddCandidates(DecodeStep step, int first, int end, List<BeamCandidate> candidates) { }

    /// <summary>Reorders the score-sorted candidates (plain beam search keeps the score order).</summary>
    protected virtual void Rank(List<BeamCandidate> candidates) { }

    /// <summary>The stopping rule documented on <see cref="GenerationOptions.EarlyStopping"/>.</summary>
    private bool SourceDone(FinishedBeams finished, List<Continuation> next, int from, int lengthSoFar, int maxLength)
    {
        if (next.Count == from) return true;
        if (Options.EarlyStopping && finished.Count >= BeamSize) return true;
        if (finished.Count < BeamSize) return false;
        float worst = finished.Normalized(BeamSize - 1);
        float alpha = Options.LengthPenalty;
        // the final |Y| lies in [lengthSoFar + 1, maxLength + 1] and the final score is ≤ the current (log-probs ≤ 0)
        float penalty = alpha > 0 ? SequenceGenerator.LengthPenaltyFactor(maxLength + 1, alpha) : SequenceGenerator.LengthPenaltyFactor(lengthSoFar + 1, alpha);
        for (int i = from; i < next.Count; i++)
            if (next[i].Score / penalty > worst) return false;
        return true;
    }

    public IReadOnlyList<GenerationResult> Results(IReadOnlyList<int> sourceIds)
        => _finished.Select((f, b) => new GenerationResult(sourceIds[b], f.Best(Options.NBest, Options.ReturnTokenLogProbs, Options.ReturnAttention))).ToArray();
}
