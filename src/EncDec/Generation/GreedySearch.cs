using EncDec.Tensors;

namespace EncDec.Generation;

/// <summary>Greedy decoding: the argmax of the processed log-probs at every step.</summary>
internal sealed class GreedySearch(GenerationOptions options, Action<StreamEvent>? onToken) : SingleTokenSearch(options, 1, onToken)
{
    protected override int Pick(DecodeStep step, int row) => TensorPrimitives.IndexOfMax(step.LogProbs(row));
}
