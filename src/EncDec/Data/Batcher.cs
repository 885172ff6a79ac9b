namespace EncDec.Data;

/// <summary>
/// Groups examples into batches: shuffle (seeded by seed and epoch), cut into large chunks, sort each chunk by length
/// (max(source, target + 1) first: the per-row budget cost),
/// pack greedily under the token budget (or by a fixed batch size), then shuffle the batch order.
/// Every example appears in exactly one batch per epoch; an example over the budget on its own gets a batch alone.
/// </summary>
public sealed class Batcher
{
    private readonly IReadOnlyList<Example> _examples;
    private readonly IExampleLengths _lengths;

    /// <summary>Batches <paramref name="examples"/> with <paramref name="options"/>. Planning reads only lengths
    /// (<see cref="IExampleLengths"/> when the list provides them), so a disk-backed list is never materialised.</summary>
    public Batcher(IReadOnlyList<Example> examples, BatcherOptions options)
    {
        _examples = examples;
        _lengths = ListExampleLengths.For(examples);
        Options = options;
        if (options.BatchSize <= 0 && options.MaxTokens <= 0) throw new UserInputException("the batch token budget must be positive");
    }

    /// <summary>The options.</summary>
    public BatcherOptions Options { get; }

    /// <summary>Budget cost of a batch: B × max(S, T) where T counts the BOS/EOS shift.</summary>
    public static int Cost(int b, int s, int t) => b * Math.Max(s, t);

    /// <summary>The example indices of each batch of <paramref name="epoch"/>, in order.</summary>
    /// <summary>A process-independent seed for (seed, epoch) (SplitMix64 finaliser).</summary>
    internal static int EpochSeed(int seed, int epoch)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)epoch) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }

    public List<int[]> Plan(int epoch)
    {
        int n = _examples.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        // The seed must be the same in every process: HashCode.Combine is randomised per process, so mix explicitly.
        var rng = new Random(EpochSeed(Options.Seed, epoch));
        if (Options.Shuffle) rng.Shuffle(order);
        var batches = new List<int[]>();
        int chunk = Math.Max(1, Options.ChunkSize);
        var keys = new LengthKey[Math.Min(chunk, n)];
        for (int c0 = 0; c0 < n; c0 += chunk)
        {
            var seg = order.AsSpan(c0, Math.Min(chunk, n - c0));
            var k = keys.AsSpan(0, seg.Length);
            for (int i = 0; i < seg.Length; i++) k[i] = new LengthKey(_lengths.SrcLength(seg[i]), _lengths.TgtLength(seg[i]), seg[i]);
            k.Sort(); // by cost key, target, source, index: a total order, so the result is unique
            Pack(k, batches);
        }
        if (Options.Shuffle) rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batches));
        return batches;
    }

    /// <summary>
    /// An example's lengths and index, ordered by its own budget cost max(source, target + 1) (what <see cref="Cost"/>
    /// charges per row), then target length, source length, index. Sorting by the source alone left a quarter of the
    /// target positions padding on Multi30k (each batch spans one source length, but targets of that source length
    /// vary), and the decoder with its vocabulary projection costs most per position; by the cost key the budget buys
    /// 26% more real target tokens per batch (95% of target and 86% of source positions real, against 75% and 98%).
    /// </summary>
    private readonly record struct LengthKey(int Src, int Tgt, int Index) : IComparable<LengthKey>
    {
        private int CostKey => Math.Max(Src, Tgt + 1);

        public int CompareTo(LengthKey o)
        {
            int d = CostKey.CompareTo(o.CostKey);
            if (d == 0) d = Tgt.CompareTo(o.Tgt);
            if (d == 0) d = Src.CompareTo(o.Src);
            return d != 0 ? d : Index.CompareTo(o.Index);
        }
    }

    private void Pack(ReadOnlySpan<LengthKey> sorted, List<int[]> batches)
    {
        int start = 0, s = 0, t = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            int srcLen = sorted[i].Src, tgtLen = sorted[i].Tgt;
            int ns = Math.Max(s, srcLen), nt = Math.Max(t, tgtLen + 1);
            int count = i - start + 1;
            bool fits = Options.BatchSize > 0 ? count <= Options.BatchSize : Cost(count, ns, nt) <= Options.MaxTokens;
            if (!fits && count > 1)
            {
                batches.Add(Indices(sorted[start..i]));
                start = i;
                ns = srcLen;
                nt = tgtLen + 1;
            }
            s = ns; t = nt;
        }
        if (start < sorted.Length) batches.Add(Indices(sorted[start..]));
    }

    private static int[] Indices(ReadOnlySpan<LengthKey> keys)
    {
        var idx = new int[keys.Length];
        for (int i = 0; i < idx.Length; i++) idx[i] = keys[i].Index;
        return idx;
    }

    /// <summary>The padded batches of <paramref name="epoch"/>.</summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        foreach (var idx in Plan(epoch)) yield return Batch.Create(_examples, idx);
    }
}
