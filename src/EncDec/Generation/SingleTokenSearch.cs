namespace EncDec.Generation;

/// <summary>
/// Greedy and sampling: every live row picks one token per step; a row that picks EOS is finished and leaves the batch.
/// Each source has <c>samples</c> rows (1 for greedy), results[source, sample].
/// </summary>
internal abstract class SingleTokenSearch(GenerationOptions options, int samples, Action<StreamEvent>? onToken) : ISearchStrategy
{
    private Hypothesis?[,] _finished = new Hypothesis?[0, 0];

    protected GenerationOptions Options { get; } = options;

    public LiveRows Start(int batchSize, int stride)
    {
        _finished = new Hypothesis?[batchSize, samples];
        var rows = new LiveRows(batchSize * samples, stride);
        for (int r = 0; r < rows.Count; r++) { rows.Source[r] = r / samples; rows.Sample[r] = r % samples; }
        return rows;
    }

    /// <summary>The token row <paramref name="row"/> continues with (its log-probs are not all −∞).</summary>
    protected abstract int Pick(DecodeStep step, int row);

    /// <summary>The token row <paramref name="row"/> continues with: EOS when every token is banned (all −∞), else <see cref="Pick"/>.</summary>
    protected virtual int PickOrEnd(DecodeStep step, int row)
        => float.IsNegativeInfinity(TensorPrimitives.Max(step.LogProbs(row))) ? Options.EosId : Pick(step, row);

    public void Choose(DecodeStep step, List<Continuation> next)
    {
        var rows = step.Rows;
        for (int r = 0; r < rows.Count; r++)
        {
            var logProbs = step.LogProbs(r);
            int token = PickOrEnd(step, r);  // every token banned: end here
            float logProb = logProbs[token], score = rows.Score[r] + logProb;
            int source = rows.Source[r];
            onToken?.Invoke(new StreamEvent(step.SourceId(r), token, step.Step, rows.Sample[r]));
            if (token == Options.EosId)
            {
                var eos = new HypothesisNode(rows.History[r], token, logProb, step.AttentionOf(r));
                float normalized = score / SequenceGenerator.LengthPenaltyFactor(step.Step + 1, Options.LengthPenalty);
                _finished[source, rows.Sample[r]] = eos.ToHypothesis(score, normalized, Options.ReturnTokenLogProbs, Options.ReturnAttention);
                continue;
            }
            next.Add(new Continuation(r, token, logProb, score, rows.Constraint[r]));
        }
    }

    public IReadOnlyList<GenerationResult> Results(IReadOnlyList<int> sourceIds)
    {
        var output = new GenerationResult[_finished.GetLength(0)];
        for (int b = 0; b < output.Length; b++)
        {
            var hypotheses = new List<Hypothesis>(samples);
            for (int j = 0; j < samples; j++) hypotheses.Add(_finished[b, j]!);
            output[b] = new GenerationResult(sourceIds[b], Order(hypotheses));
        }
        return output;
    }

    /// <summary>The order of one source's hypotheses in its result.</summary>
    protected virtual IReadOnlyList<Hypothesis> Order(List<Hypothesis> hypotheses) => hypotheses;
}
