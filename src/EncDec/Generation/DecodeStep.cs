namespace EncDec.Generation;

/// <summary>
/// What a search strategy sees at one decoding step: the live rows, the processed log-probs of each row's next token
/// (see <see cref="StepScorer"/>), each row's attention over its source when requested, and the step number (the
/// number of tokens every live row has produced so far). A strategy answers with the continuations to keep.
/// </summary>
internal sealed class DecodeStep(int step, LiveRows rows, StepScorer scorer, float[]? attention, int sourceWidth,
                                 IReadOnlyList<int> sourceLengths, IReadOnlyList<int> maxLengths, IReadOnlyList<int> sourceIds)
{
    public int Step { get; } = step;
    public LiveRows Rows { get; } = rows;
    public int VocabSize => scorer.VocabSize;

    /// <summary>The processed log-probs of row <paramref name="row"/>'s next token.</summary>
    public Span<float> LogProbs(int row) => scorer.Row(row);

    /// <summary>The most output tokens (EOS excluded) of source <paramref name="source"/> (a batch index).</summary>
    public int MaxLength(int source) => maxLengths[source];

    /// <summary>The caller's index of the source row <paramref name="row"/> decodes.</summary>
    public int SourceId(int row) => sourceIds[Rows.Source[row]];

    /// <summary>A scratch row of the vocabulary's size.</summary>
    public Span<float> Scratch => scorer.Scratch;

    /// <summary>Row <paramref name="row"/>'s attention over the true length of its source, or null when not requested.</summary>
    public float[]? AttentionOf(int row)
        => attention?.AsSpan(row * sourceWidth, sourceLengths[Rows.Source[row]]).ToArray();
}
