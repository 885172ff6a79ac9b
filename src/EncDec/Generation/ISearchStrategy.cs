namespace EncDec.Generation;

/// <summary>
/// How the next tokens are chosen (greedy, sampling, beam, constrained beam). <see cref="DecodeLoop"/> runs the model and
/// scores every step; the strategy decides which rows continue with which tokens and keeps the finished hypotheses.
/// </summary>
internal interface ISearchStrategy
{
    /// <summary>The rows of step 0, each decoding one source (by batch index).</summary>
    LiveRows Start(int batchSize, int stride);

    /// <summary>A strategy's own mask on a row's log-probs (after the hard processors); none by default.</summary>
    void MaskRow(ConstraintState constraint, int step, int maxLength, Span<float> logProbs) { }

    /// <summary>Whether <see cref="MaskRow"/> may run for several rows at once on different threads (true unless it keeps scratch state).</summary>
    bool MasksRowsConcurrently => true;

    /// <summary>Adds to <paramref name="next"/> the continuations that stay live after this step (in row order of the next step).</summary>
    void Choose(DecodeStep step, List<Continuation> next);

    /// <summary>One result per source (by batch index), hypotheses best first.</summary>
    IReadOnlyList<GenerationResult> Results(IReadOnlyList<int> sourceIds);
}
