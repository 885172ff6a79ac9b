using System.IO.Compression;

namespace EncDec.Vision;

/// <summary>
/// The UCI handwritten digits (E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
/// Learning Repository, 1998, https://doi.org/10.24432/C50P49, CC BY 4.0), as Debian's python3-sklearn ships them:
/// 1,797 images of 8×8 pixels with values 0..16. Extracted by tools/extract_uci_digits.py into an embedded file.
/// Split: the first 1,437 images train, the last 360 are held out (no held-out image is ever drawn in training); the
/// last 216 training images (from <see cref="ValidationStart"/>) are the validation images of <see cref="DigitSplit.Validation"/>.
/// </summary>
public static class UciDigits
{
    public const int Count = 1797, Side = 8, TrainCount = 1437, ValidationStart = 1221;

    private static readonly Lazy<(byte[] Pixels, byte[] Labels)> Data = new(Read);

    /// <summary>Pixels (Count × 64, 0..16, row-major).</summary>
    public static byte[] Pixels => Data.Value.Pixels;
    /// <summary>The digit of each image.</summary>
    public static byte[] Labels => Data.Value.Labels;

    /// <summary>Image indices of a split, grouped by digit: result[d] lists the images of digit d.</summary>
    public static int[][] ByDigit(DigitSplit split)
    {
        var (lo, hi) = split switch
        {
            DigitSplit.Train => (0, TrainCount),
            DigitSplit.Fit => (0, ValidationStart),
            DigitSplit.Validation => (ValidationStart, TrainCount),
            _ => (TrainCount, Count),
        };
        var lists = Enumerable.Range(0, 10).Select(_ => new List<int>()).ToArray();
        for (int i = lo; i < hi; i++) lists[Labels[i]].Add(i);
        return lists.Select(l => l.ToArray()).ToArray();
    }

    private static (byte[], byte[]) Read()
    {
        using var s = typeof(UciDigits).Assembly.GetManifestResourceStream("EncDec.Vision.uci-digits.bin.gz")
                      ?? throw new InvalidOperationException("embedded UCI digits are missing from EncDec.Vision");
        using var z = new GZipStream(s, CompressionMode.Decompress);
        using var ms = new MemoryStream();
        z.CopyTo(ms);
        var raw = ms.ToArray();
        if (raw.Length != Count * 65) throw new InvalidDataException($"embedded UCI digits: {raw.Length} bytes, expected {Count * 65}");
        var px = new byte[Count * 64]; var lab = new byte[Count];
        for (int i = 0; i < Count; i++) { Array.Copy(raw, i * 65, px, i * 64, 64); lab[i] = raw[i * 65 + 64]; }
        return (px, lab);
    }
}
