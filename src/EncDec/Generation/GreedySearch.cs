namespace EncDec.Generation;

/// <summary>Greedy decoding: the argmax of the processed log-probs at every step.</summary>
internal sealed class GreedySearch(GenerationOptions options, Action<StreamEvent>? onToken) : SingleTokenSearch(options, 1, onToken)
{
    protected override int Pick(DecodeStep step, int row) => TensorPrimitives.IndexOfMax(step.LogProbs(row));

    /// <summary>
    /// One pass instead of two: the argmax's own value tells whether every token is banned (an all −∞ row's argmax is −∞),
    /// so the same token as <see cref="SingleTokenSearch.PickOrEnd"/>'s maximum-then-argmax.
    /// </summary>
    protected override int PickOrEnd(DecodeStep step, int row)
    {
        var logProbs = step.LogProbs(row);
        int best = TensorPrimitives.IndexOfMax(logProbs);
        return float.IsNegativeInfinity(logProbs[best]) ? Options.EosId : best;
    }
}
