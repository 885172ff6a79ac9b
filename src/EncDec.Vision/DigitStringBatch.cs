using EncDec.Tensors;

namespace EncDec.Vision;

/// <summary>One batch of generated images (N, 1, H, W) in [0, 1] plus noise and their digit strings.</summary>
public sealed record DigitStringBatch(float[] Pixels, string[] Texts, int Height, int Width)
{
    public int Count => Texts.Length;
    public Tensor ToTensor() => Tensor.FromArray(Pixels, Count, 1, Height, Width);
}
