namespace EncDec.Training;

/// <summary>
/// How a <see cref="Trainer"/> scores its validation set beyond the loss: decode the sources, turn outputs into text and
/// score them against the references. The library's implementation is <c>EncDec.Pipelines.GreedyValidation</c> (Metrics is a
/// later layer than Training, so the trainer only knows this contract).
/// </summary>
public interface IValidationDecoding
{
    /// <summary>Output token ids (without BOS/EOS) for each source.</summary>
    IReadOnlyList<int[]> Decode(IReadOnlyList<int[]> sources);

    /// <summary>Target ids → text.</summary>
    string Detokenize(int[] targetIds);

    /// <summary>The scores of the hypotheses against the references (same order).</summary>
    ValidationScores Score(IReadOnlyList<string> hypotheses, IReadOnlyList<string> references);
}
