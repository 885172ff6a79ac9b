namespace EncDec.Vision;

/// <summary>Settings of the generated digit-string images.</summary>
public sealed record DigitStringOptions
{
    public int Height { get; init; } = 16;
    public int Width { get; init; } = 64;
    public int MinDigits { get; init; } = 3;
    public int MaxDigits { get; init; } = 6;
    /// <summary>Digit size range in pixels (the 8×8 originals are resampled bilinearly).</summary>
    public float MinScale { get; init; } = 1.0f;
    public float MaxScale { get; init; } = 1.5f;
    /// <summary>Standard deviation of the added Gaussian pixel noise.</summary>
    public float Noise { get; init; } = 0.05f;
    /// <summary>Per-digit shape augmentation (null = none: every digit is its original resized).</summary>
    public DigitAugmentOptions? Augment { get; init; }
}
