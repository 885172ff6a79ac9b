namespace EncDec.Generation;

/// <summary>
/// The hypotheses still being extended, one per batch row of the model: which source each decodes (its batch index),
/// which sample of that source it is, its score, history, constraint progress, and its tokens so far
/// (row r's tokens are <c>Tokens[r·Stride ..]</c>).
/// </summary>
internal sealed class LiveRows
{
    public int Count { get; }
    public int Stride { get; }
    public int[] Source { get; }
    public int[] Sample { get; }
    public float[] Score { get; }
    public HypothesisNode?[] History { get; }
    public ConstraintState[] Constraint { get; }
    public int[] Tokens { get; }

    public LiveRows(int count, int stride)
    {
        Count = count; Stride = stride;
        Source = new int[count]; Sample = new int[count]; Score = new float[count];
        History = new HypothesisNode?[count];
        Constraint = new ConstraintState[count];
        Array.Fill(Constraint, ConstraintState.Start);
        Tokens = new int[count * stride];
    }

    /// <summary>One row per source, in order.</summary>
    public static LiveRows OnePerSource(int sources, int stride)
    {
        var rows = new LiveRows(sources, stride);
        for (int i = 0; i < sources; i++) rows.Source[i] = i;
        return rows;
    }

    /// <summary>The tokens row <paramref name="row"/> has produced before step <paramref name="step"/>.</summary>
    public ReadOnlySpan<int> Generated(int row, int step) => Tokens.AsSpan(row * Stride, step);

    /// <summary>The token each row feeds at <paramref name="step"/>: BOS first, then its last output.</summary>
    public int[] LastTokens(int step, int bosId)
    {
        var last = new int[Count];
        for (int r = 0; r < Count; r++) last[r] = step == 0 ? bosId : Tokens[r * Stride + step - 1];
        return last;
    }

    /// <summary>Whether row i decodes source i for every row (the encoder output then needs no gathering).</summary>
    public bool SourcesAreIdentity(int batchSize)
    {
        if (Count != batchSize) return false;
        for (int i = 0; i < Count; i++) if (Source[i] != i) return false;
        return true;
    }

    /// <summary>The rows after a step: each continuation extends its parent row by one token.</summary>
    public LiveRows Extend(IReadOnlyList<Continuation> next, int step, Func<int, float[]?> attentionOf)
    {
        var rows = new LiveRows(next.Count, Stride);
        for (int i = 0; i < next.Count; i++)
        {
            var c = next[i];
            int parent = c.Parent;
            rows.Source[i] = Source[parent]; rows.Sample[i] = Sample[parent];
            rows.Score[i] = c.Score; rows.Constraint[i] = c.Constraint;
            rows.History[i] = new HypothesisNode(History[parent], c.Token, c.LogProb, attentionOf(parent));
            Array.Copy(Tokens, parent * Stride, rows.Tokens, i * Stride, step);
            rows.Tokens[i * Stride + step] = c.Token;
        }
        return rows;
    }
}
