using EncDec.Tensors;

namespace EncDec.Vision;

/// <summary>Scenes (N, 3, H, W) in [0, 1] plus noise, their per-pixel class masks (N·H·W; 0 background, 1 + <see cref="ShapeKind"/>) and captions.</summary>
public sealed record ShapeSceneBatch(float[] Pixels, int[] Masks, string[] Captions, PlacedShape[][] Shapes, int Height, int Width)
{
    public int Count => Captions.Length;
    public Tensor ToTensor() => Tensor.FromArray(Pixels, Count, 3, Height, Width);
    public IndexTensor MaskTensor() => new(Masks, Count, Height, Width);
}
