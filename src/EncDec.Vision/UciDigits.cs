using System.IO.Compression;

namespace EncDec.Vision;

/// <summary>
/// The UCI handwritten digits (E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
/// Learning Repository, 1998, https://doi.org/10.24432/C50P49, CC BY 4.0), as Debian's python3-sklearn ships them:
/// 1,797 images of 8×8 pixels with values 0..16. Extracted by tools/extract_uci_digits.py into an embedded file.
/// Split: the first 1,437 images train, the last 360 are held out (no held-out image is ever drawn in training).
/// The file is sklearn's copy of the UCI test set, whose writers each filled in the same 130-digit form, stored one
/// writer after the other: the labels run 0123456789 three times, then a fixed sequence, then start over at the next
/// writer (<see cref="WriterStarts"/> finds those restarts). The validation images of <see cref="DigitSplit.Validation"/>
/// are two whole writers inside the training images (<see cref="ValidationStart"/> to <see cref="ValidationEnd"/>, 258
/// images), so they are writer-disjoint from <see cref="DigitSplit.Fit"/> (the other 1,179 training images), as the
/// held-out rows mostly are; the writer at the train/held-out boundary (from image 1,415) is in both Train and HeldOut.
/// </summary>
public static class UciDigits
{
    public const int Count = 1797, Side = 8, TrainCount = 1437, ValidationStart = 1157, ValidationEnd = 1415;

    private static readonly Lazy<(byte[] Pixels, byte[] Labels)> Data = new(Read);

    /// <summary>Pixels (Count × 64, 0..16, row-major).</summary>
    public static byte[] Pixels => Data.Value.Pixels;
    /// <summary>The digit of each image.</summary>
    public static byte[] Labels => Data.Value.Labels;

    /// <summary>Image indices of a split, grouped by digit: result[d] lists the images of digit d.</summary>
    public static int[][] ByDigit(DigitSplit split)
    {
        Func<int, bool> inSplit = split switch
        {
            DigitSplit.Train => i => i < TrainCount,
            DigitSplit.Fit => i => i < TrainCount && (i < ValidationStart || i >= ValidationEnd),
            DigitSplit.Validation => i => i >= ValidationStart && i < ValidationEnd,
            _ => i => i >= TrainCount,
        };
        var lists = Enumerable.Range(0, 10).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < Count; i++) if (inSplit(i)) lists[Labels[i]].Add(i);
        return lists.Select(l => l.ToArray()).ToArray();
    }

    /// <summary>
    /// The first image of each writer's form: every index where the labels run 0,1,…,9 and the ten labels before it do
    /// not (the form opens with 0123456789 three times). A writer whose form has gaps can show up as two starts.
    /// </summary>
    public static int[] WriterStarts()
    {
        var lab = Labels;
        bool Run(int i) => i >= 0 && i + 10 <= Count && Enumerable.Range(0, 10).All(k => lab[i + k] == k);
        return Enumerable.Range(0, Count).Where(i => Run(i) && !Run(i - 10)).ToArray();
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
