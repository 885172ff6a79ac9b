namespace EncDec.Vision;

/// <summary>
/// Settings of <see cref="ImageAugmentation"/>: random crop with zero padding (a shift of up to <see cref="CropPadding"/>
/// pixels each way, as torchvision's <c>RandomCrop(padding=p)</c>), horizontal flip with probability
/// <see cref="FlipProbability"/> where the label allows it, and a small affine (rotation up to ±<see cref="MaxRotationDegrees"/>,
/// scale in 1 ± <see cref="MaxScaleChange"/>) about the image centre.
/// </summary>
public sealed record AugmentOptions
{
    public int CropPadding { get; init; } = 2;
    public double FlipProbability { get; init; } = 0.5;
    public double MaxRotationDegrees { get; init; } = 8;
    public double MaxScaleChange { get; init; } = 0.05;

    /// <summary>No change at all.</summary>
    public static AugmentOptions None { get; } = new() { CropPadding = 0, FlipProbability = 0, MaxRotationDegrees = 0, MaxScaleChange = 0 };
}
