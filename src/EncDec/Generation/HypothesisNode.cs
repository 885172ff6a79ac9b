namespace EncDec.Generation;

/// <summary>
/// A link in a hypothesis's history: its last token, that token's log-prob and attention, and the history before it.
/// Hypotheses with a common prefix share their nodes, so extending or reordering a beam copies nothing.
/// </summary>
internal sealed class HypothesisNode(HypothesisNode? parent, int token, float logProb, float[]? attention)
{
    public HypothesisNode? Parent { get; } = parent;
    public int Token { get; } = token;
    public float LogProb { get; } = logProb;
    public float[]? Attention { get; } = attention;

    /// <summary>The finished hypothesis that ends with this node (its EOS): tokens without EOS, per-token log-probs and attention on request.</summary>
    public Hypothesis ToHypothesis(float score, float normalizedScore, bool withLogProbs, bool withAttention)
    {
        int count = 0;
        for (var p = this; p is not null; p = p.Parent) count++;
        var nodes = new HypothesisNode[count];
        int at = count;
        for (var p = this; p is not null; p = p.Parent) nodes[--at] = p;
        var tokens = new int[count - 1];
        for (int j = 0; j < count - 1; j++) tokens[j] = nodes[j].Token;
        float[]? logProbs = withLogProbs ? nodes.Select(n => n.LogProb).ToArray() : null;
        float[,]? attention = null;
        if (withAttention && nodes.All(n => n.Attention is not null))
        {
            int sourceLength = nodes[0].Attention!.Length;
            attention = new float[count, sourceLength];
            for (int j = 0; j < count; j++)
                for (int s = 0; s < sourceLength; s++) attention[j, s] = nodes[j].Attention![s];
        }
        return new Hypothesis(tokens, score, normalizedScore, logProbs, attention);
    }
}
