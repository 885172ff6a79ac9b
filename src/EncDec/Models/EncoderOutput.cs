using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// What an encoder hands to a decoder: the memory (B, S, H), the source padding mask (B, S) with 1 at
/// padding, the true source lengths, and optional model-specific extras (e.g. an RNN's final states or
/// precomputed attention keys). Immutable; <see cref="Select"/> gathers batch rows (beam expansion/reordering).
/// </summary>
public sealed class EncoderOutput
{
    /// <summary>(B, S, H) encoder states.</summary>
    public Tensor Memory { get; }
    /// <summary>(B, S): 1 where the source position is padding, 0 elsewhere.</summary>
    public Tensor PaddingMask { get; }
    public int[] Lengths { get; }
    /// <summary>Batch-major tensors an encoder wants to pass on (each with batch in dim <see cref="ExtraBatchDims"/>).</summary>
    public IReadOnlyList<Tensor> Extras { get; }
    /// <summary>The batch dimension of each tensor in <see cref="Extras"/>.</summary>
    public IReadOnlyList<int> ExtraBatchDims { get; }

    public EncoderOutput(Tensor memory, Tensor paddingMask, int[] lengths, IReadOnlyList<Tensor>? extras = null, IReadOnlyList<int>? extraBatchDims = null)
    {
        Memory = memory; PaddingMask = paddingMask; Lengths = lengths;
        Extras = extras ?? Array.Empty<Tensor>();
        ExtraBatchDims = extraBatchDims ?? Extras.Select(_ => 0).ToArray();
        if (ExtraBatchDims.Count != Extras.Count) throw new ArgumentException("one batch dim per extra tensor");
    }

    /// <summary>A memory (B, S, H) with no padding: an all-zero mask and every length S (image sequences).</summary>
    public static EncoderOutput Unpadded(Tensor memory)
    {
        int n = memory.Shape[0], s = memory.Shape[1];
        return new EncoderOutput(memory, Tensor.Zeros(n, s), Enumerable.Repeat(s, n).ToArray());
    }

    public int BatchSize => Memory.Shape[0];
    public int SourceLength => Memory.Shape[1];

    /// <summary>Rows <paramref name="rows"/> of the batch, in that order (rows may repeat).</summary>
    public EncoderOutput Select(int[] rows)
    {
        var idx = new IndexTensor(rows, rows.Length);
        return new EncoderOutput(
            F.IndexSelect(Memory, 0, idx),
            F.IndexSelect(PaddingMask, 0, idx),
            rows.Select(r => Lengths[r]).ToArray(),
            Extras.Select((t, i) => F.IndexSelect(t, ExtraBatchDims[i], idx)).ToArray(),
            ExtraBatchDims);
    }

    /// <summary>Padding mask (B, S) from lengths: 1 at positions ≥ length.</summary>
    public static Tensor MaskFromLengths(int[] lengths, int maxLen)
    {
        var m = Tensor.Zeros(lengths.Length, maxLen);
        var s = m.Span;
        for (int b = 0; b < lengths.Length; b++)
            for (int t = lengths[b]; t < maxLen; t++) s[b * maxLen + t] = 1f;
        return m;
    }
}
