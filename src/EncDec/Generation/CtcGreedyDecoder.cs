using EncDec.Tensors;

namespace EncDec.Generation;

/// <summary>
/// CTC best-path decoding: the most likely class of every frame, repeats merged, blanks dropped
/// (Graves et al. 2006). Frames past each row's length are ignored.
/// </summary>
public static class CtcGreedyDecoder
{
    /// <summary>CTC logits (N, S, V) and each row's length → the label ids of each row.</summary>
    public static int[][] Decode(Tensor logits, int[] lengths, int blank)
    {
        if (logits.Rank != 3) throw new ArgumentException($"ctc decode: expected logits (N, S, V), got {ShapeUtil.Format(logits.Shape)}");
        int n = logits.Shape[0], s = logits.Shape[1], v = logits.Shape[2];
        if (lengths.Length != n) throw new ArgumentException($"ctc decode: {lengths.Length} lengths for {n} rows");
        var data = logits.ToArray();
        var result = new int[n][];
        for (int b = 0; b < n; b++)
        {
            var ids = new List<int>();
            int previous = blank;
            for (int t = 0; t < Math.Min(s, lengths[b]); t++)
            {
                var row = data.AsSpan((b * s + t) * v, v);
                int best = 0;
                for (int k = 1; k < v; k++) if (row[k] > row[best]) best = k;
                if (best != blank && best != previous) ids.Add(best);
                previous = best;
            }
            result[b] = ids.ToArray();
        }
        return result;
    }
}
