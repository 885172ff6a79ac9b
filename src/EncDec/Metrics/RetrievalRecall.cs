namespace EncDec.Metrics;

/// <summary>
/// Cross-modal retrieval recall@k over N pairs (image i ↔ text i): a query is answered when one of its k most similar
/// candidates is its own pair or, with groups, any candidate of its group (pairs with the same caption are equally
/// right answers). Ties rank by candidate index.
/// </summary>
public static class RetrievalRecall
{
    /// <summary>Recall@k with queries as rows of <paramref name="similarity"/> (N × N, row-major, higher = closer).</summary>
    public static double At(ReadOnlySpan<float> similarity, int n, int k, IReadOnlyList<int>? groups = null, bool queriesAreColumns = false)
    {
        if (similarity.Length != n * n) throw new ArgumentException($"similarity holds {similarity.Length} values, not {n}×{n}");
        if (groups is not null && groups.Count != n) throw new ArgumentException($"{groups.Count} group ids for {n} pairs");
        if (n == 0) return 0;
        int hits = 0;
        var row = new float[n];
        for (int q = 0; q < n; q++)
        {
            for (int j = 0; j < n; j++) row[j] = queriesAreColumns ? similarity[j * n + q] : similarity[q * n + j];
            // the best-ranked right answer (highest score, lower index on ties), then how many candidates rank above it
            int top = -1;
            for (int j = 0; j < n; j++)
                if ((groups is null ? j == q : groups[j] == groups[q]) && (top < 0 || row[j] > row[top])) top = j;
            int best = 0;
            for (int m = 0; m < n; m++) if (row[m] > row[top] || (row[m] == row[top] && m < top)) best++;
            if (best < k) hits++;
        }
        return (double)hits / n;
    }

    /// <summary>Recall@1 and @5 both ways; <paramref name="similarity"/>[i·N + j] compares image i with text j.</summary>
    public static RetrievalScores Both(ReadOnlySpan<float> similarity, int n, IReadOnlyList<int>? groups = null)
        => new(At(similarity, n, 1, groups), At(similarity, n, 5, groups), At(similarity, n, 1, groups, queriesAreColumns: true), At(similarity, n, 5, groups, queriesAreColumns: true));
}
