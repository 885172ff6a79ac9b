namespace EncDec.Tensors;

/// <summary>
/// The B operand of an int8 product (n output channels × k, row-major int8 in [−127, 127]) re-laid once for
/// <c>vpdpbusd</c>: blocks of <see cref="BlockChannels"/> channels, and inside a block, for every group of 4
/// consecutive k, the 4 bytes of each of the 16 channels side by side (64 bytes: two 256-bit registers of 8 int32 lanes).
/// One broadcast of 4 activation bytes then feeds 16 outputs. k is padded with zeros to a multiple of 4 and n to a
/// multiple of 16. <see cref="Correction"/> holds −128·Σ_k b per channel: the activations enter as unsigned bytes
/// a + 128 (<c>vpdpbusd</c> multiplies u8 by s8), and the accumulators start at the correction instead of 0.
/// </summary>
public sealed class Int8PackedMatrix
{
    /// <summary>Output channels per block (two 256-bit registers of int32).</summary>
    public const int BlockChannels = 16;

    /// <summary>Output channels (rows of the original B).</summary>
    public int N { get; }
    /// <summary>Reduction length of the original B.</summary>
    public int K { get; }
    /// <summary>k rounded up to a multiple of 4: the row stride the unsigned activations must have.</summary>
    public int PaddedK { get; }
    /// <summary>Number of 16-channel blocks.</summary>
    public int Blocks { get; }
    /// <summary>The packed bytes: block-major, then k/4, then 16 channels × 4 bytes; length Blocks · PaddedK · 16.</summary>
    public sbyte[] Data { get; }
    /// <summary>−128 · Σ_k b[j, k] per channel, padded with zeros to Blocks · 16.</summary>
    public int[] Correction { get; }

    private Int8PackedMatrix(int n, int k)
    {
        N = n; K = k; PaddedK = (k + 3) & ~3; Blocks = (n + BlockChannels - 1) / BlockChannels;
        Data = new sbyte[(long)Blocks * PaddedK * BlockChannels];
        Correction = new int[Blocks * BlockChannels];
    }

    /// <summary>Packs B (n, k), row-major int8 values in [−127, 127].</summary>
    public static Int8PackedMatrix Pack(ReadOnlySpan<sbyte> b, int n, int k)
    {
        if (n < 0 || k < 0 || b.Length < (long)n * k) throw new ArgumentException($"int8 matrix of {b.Length} values is too small for ({n}, {k})");
        var p = new Int8PackedMatrix(n, k);
        for (int j = 0; j < n; j++)
        {
            int blk = j / BlockChannels, lane = j % BlockChannels, sum = 0;
            long baseIdx = (long)blk * p.PaddedK * BlockChannels + lane * 4;
            for (int q = 0; q < k; q++)
            {
                sbyte v = b[j * k + q];
                sum += v;
                p.Data[baseIdx + (long)(q >> 2) * BlockChannels * 4 + (q & 3)] = v;   // group q/4, channel lane, byte q%4
            }
            p.Correction[j] = -128 * sum;
        }
        return p;
    }
}
