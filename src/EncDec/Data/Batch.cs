using EncDec.Text;

namespace EncDec.Data;

/// <summary>
/// A padded mini-batch, row-major. <see cref="Src"/> is B×S; <see cref="TgtIn"/> (BOS + target) and
/// <see cref="TgtOut"/> (target + EOS) are B×T. Padding is <see cref="Vocabulary.PadId"/> (0).
/// <see cref="TgtLengths"/> counts the shifted rows (target length + 1). <see cref="Indices"/> are the example indices.
/// </summary>
public sealed record Batch(int B, int S, int T, int[] Src, int[] SrcLengths, int[] TgtIn, int[] TgtOut, int[] TgtLengths, int[] Indices)
{
    /// <summary>True at real (non-padding) source positions, B×S.</summary>
    public bool[] SrcMask() => Mask(SrcLengths, S);

    /// <summary>True at real (non-padding) target positions, B×T.</summary>
    public bool[] TgtMask() => Mask(TgtLengths, T);

    /// <summary>Cost against a token budget: B × max(S, T), padding included.</summary>
    public int PaddedTokens => Batcher.Cost(B, S, T);

    private static bool[] Mask(int[] lengths, int width)
    {
        var m = new bool[lengths.Length * width];
        for (int b = 0; b < lengths.Length; b++) m.AsSpan(b * width, lengths[b]).Fill(true);
        return m;
    }

    /// <summary>Builds a batch from the given examples.</summary>
    public static Batch Create(IReadOnlyList<Example> examples, ReadOnlySpan<int> indices)
    {
        int bsz = indices.Length, s = 0, t = 0;
        foreach (int i in indices) { s = Math.Max(s, examples[i].Src.Length); t = Math.Max(t, examples[i].Tgt.Length + 1); }
        var src = new int[bsz * s];
        var tgtIn = new int[bsz * t];
        var tgtOut = new int[bsz * t];
        var srcLen = new int[bsz];
        var tgtLen = new int[bsz];
        for (int b = 0; b < bsz; b++)
        {
            var ex = examples[indices[b]];
            ex.Src.CopyTo(src, b * s);
            srcLen[b] = ex.Src.Length;
            tgtIn[b * t] = Vocabulary.BosId;
            ex.Tgt.CopyTo(tgtIn, b * t + 1);
            ex.Tgt.CopyTo(tgtOut, b * t);
            tgtOut[b * t + ex.Tgt.Length] = Vocabulary.EosId;
            tgtLen[b] = ex.Tgt.Length + 1;
        }
        return new Batch(bsz, s, t, src, srcLen, tgtIn, tgtOut, tgtLen, indices.ToArray());
    }
}
