using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Vision;

/// <summary>
/// An image folder and a labels file read into memory: images (N, C, H, W) in [0, 1], all resized (bilinear) to the
/// size of the first image or the one asked for, and per image either its text or its class mask (N·H·W, nearest).
/// The labels file is UTF-8, one <c>NAME&lt;TAB&gt;LABEL</c> a line (NAME relative to the folder; blank lines and lines
/// starting with <c>#</c> are skipped). A mask is a PNG whose grey value is the class index (0, 1, 2 …). Every mistake
/// (missing tab, missing or unreadable image, a mask of another size) is a <see cref="UserInputException"/> naming the
/// labels file and line.
/// </summary>
public sealed class ImageFolderDataset
{
    /// <summary>Most classes a mask may hold.</summary>
    public const int MaxClasses = 256;

    public IReadOnlyList<string> Names { get; }
    /// <summary>(N, C, H, W).</summary>
    public Tensor Images { get; }
    /// <summary>The texts (<see cref="ImageLabelKind.Text"/>), else empty.</summary>
    public IReadOnlyList<string> Texts { get; }
    /// <summary>Class per pixel, N·H·W row-major (<see cref="ImageLabelKind.Mask"/>), else empty.</summary>
    public int[] Masks { get; }
    public int Count => Names.Count;
    public int Channels => Images.Shape[1];
    public int Height => Images.Shape[2];
    public int Width => Images.Shape[3];
    /// <summary>1 + the largest class in any mask (0 for texts).</summary>
    public int Classes { get; }

    private ImageFolderDataset(string[] names, Tensor images, string[] texts, int[] masks, int classes)
    {
        Names = names; Images = images; Texts = texts; Masks = masks; Classes = classes;
    }

    /// <summary>
    /// Reads <paramref name="labelsFile"/> and its images from <paramref name="folder"/>; <paramref name="size"/> (H, W)
    /// fixes the image size (default: the first image's).
    /// </summary>
    public static ImageFolderDataset Load(string labelsFile, string folder, ImageLabelKind kind, int channels, (int Height, int Width)? size = null)
    {
        if (!File.Exists(labelsFile)) throw new UserInputException(labelsFile, null, "labels file not found");
        if (!Directory.Exists(folder)) throw new UserInputException(folder, null, "image folder not found");
        string[] lines;
        try { lines = File.ReadAllLines(labelsFile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserInputException(labelsFile, null, $"cannot read: {e.Message}"); }
        var names = new List<string>(); var texts = new List<string>(); var pixels = new List<float[]>(); var masks = new List<int[]>();
        int h = size?.Height ?? 0, w = size?.Width ?? 0, classes = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.StartsWith('#')) continue;
            int lineNo = i + 1;
            int tab = line.IndexOf('\t');
            if (tab <= 0 || tab == line.Length - 1 || line.AsSpan(tab + 1).Trim().Length == 0)
                throw new UserInputException(labelsFile, lineNo, "expected IMAGE<TAB>" + (kind == ImageLabelKind.Mask ? "MASK" : "TEXT"));
            string name = line[..tab].Trim(), label = line[(tab + 1)..].Trim();
            var img = ReadAt(labelsFile, lineNo, folder, name, channels);          // (C, H0, W0)
            if (h == 0) { h = img.Shape[1]; w = img.Shape[2]; }
            pixels.Add(Resize(img, h, w, nearest: false).ToArray());
            names.Add(name);
            if (kind == ImageLabelKind.Text) { texts.Add(label); continue; }
            var m = ReadAt(labelsFile, lineNo, folder, label, 1);                   // (1, Hm, Wm), grey value = class / 255
            if (m.Shape[1] != img.Shape[1] || m.Shape[2] != img.Shape[2])
                throw new UserInputException(labelsFile, lineNo, $"mask {label} is {m.Shape[2]}×{m.Shape[1]} but image {name} is {img.Shape[2]}×{img.Shape[1]}");
            var mv = Resize(m, h, w, nearest: true).ToArray();
            var cls = new int[mv.Length];
            for (int p = 0; p < mv.Length; p++) { cls[p] = (int)MathF.Round(mv[p] * 255f); classes = Math.Max(classes, cls[p] + 1); }
            masks.Add(cls);
        }
        if (names.Count == 0) throw new UserInputException(labelsFile, null, "no IMAGE<TAB>LABEL lines");
        if (kind == ImageLabelKind.Mask && classes < 2)
            throw new UserInputException(labelsFile, null, "every mask is all class 0: a mask's grey value is its class (0, 1, 2 …), so at least two classes must occur");
        int per = channels * h * w;
        var all = new float[names.Count * per];
        for (int n = 0; n < pixels.Count; n++) pixels[n].CopyTo(all, n * per);
        return new ImageFolderDataset(names.ToArray(), Tensor.FromArray(all, names.Count, channels, h, w), texts.ToArray(),
                                      masks.SelectMany(m => m).ToArray(), kind == ImageLabelKind.Mask ? classes : 0);
    }

    /// <summary>Images (B, C, H, W) of the given rows.</summary>
    public Tensor ImagesAt(IReadOnlyList<int> rows)
    {
        int per = Channels * Height * Width;
        var src = Images.Contiguous().Span;
        var dst = new float[rows.Count * per];
        for (int i = 0; i < rows.Count; i++) src.Slice(rows[i] * per, per).CopyTo(dst.AsSpan(i * per, per));
        return Tensor.FromArray(dst, rows.Count, Channels, Height, Width);
    }

    /// <summary>Masks (B, H, W) of the given rows.</summary>
    public IndexTensor MasksAt(IReadOnlyList<int> rows)
    {
        int per = Height * Width;
        var dst = new int[rows.Count * per];
        for (int i = 0; i < rows.Count; i++) Array.Copy(Masks, rows[i] * per, dst, i * per, per);
        return new IndexTensor(dst, rows.Count, Height, Width);
    }

    private static Tensor ReadAt(string labelsFile, int line, string folder, string name, int channels)
    {
        string path = Path.Combine(folder, name);
        if (!File.Exists(path)) throw new UserInputException(labelsFile, line, $"image {path} not found");
        try { return ImageIO.Read(path, channels); }
        catch (UserInputException e) { throw new UserInputException(labelsFile, line, e.Message); }
    }

    private static Tensor Resize(Tensor img, int h, int w, bool nearest)
    {
        if (img.Shape[1] == h && img.Shape[2] == w) return img;
        using (GradMode.NoGrad())
        {
            var b = img.Unsqueeze(0);                                                // (1, C, H0, W0)
            return (nearest ? F.UpsampleNearest2d(b, h, w) : F.UpsampleBilinear2d(b, h, w)).Squeeze(0).Contiguous();   // (C, H, W)
        }
    }
}
