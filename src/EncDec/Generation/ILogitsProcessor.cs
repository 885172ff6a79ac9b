namespace EncDec.Generation;

/// <summary>
/// A hook that edits the next-token scores of one hypothesis in place (add a bias, a classifier score, mask
/// tokens with −∞). User processors run on the raw logits before the log-softmax; the built-in hard constraints
/// (bans, forcing) run on the log-probs after it, so masking never inflates the remaining tokens' scores.
/// </summary>
public interface ILogitsProcessor
{
    /// <param name="sourceIndex">The source sentence the hypothesis belongs to (beam rows of one source share it).</param>
    /// <param name="generatedSoFar">Output tokens so far (BOS excluded); its length is the current step.</param>
    /// <param name="logits">Scores over the vocabulary, edited in place.</param>
    void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits);
}
