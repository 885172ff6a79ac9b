namespace EncDec.Vision;

/// <summary>
/// Per-digit augmentation of <see cref="DigitStrings"/> (training rows only, so the held-out rows stay as they were):
/// each pasted digit gets its own small affine — rotation up to ±<see cref="MaxRotationDegrees"/>, horizontal shear up
/// to ±<see cref="MaxShear"/>, width stretched by up to ±<see cref="MaxStretch"/> — and a stroke gamma in
/// [1 / <see cref="MaxGamma"/>, <see cref="MaxGamma"/>] (thinner or bolder strokes), so 1,437 training images give far more
/// distinct shapes of handwriting. <see cref="ElasticPixels"/> &gt; 0 adds a smooth elastic warp on top: a random
/// displacement of that standard deviation (in source pixels) at each point of a 3×3 grid over the 8×8 original,
/// interpolated bilinearly in between, so strokes bend locally rather than only as a whole.
/// </summary>
public sealed record DigitAugmentOptions
{
    public float MaxRotationDegrees { get; init; } = 10f;
    public float MaxShear { get; init; } = 0.25f;
    public float MaxStretch { get; init; } = 0.15f;
    public float MaxGamma { get; init; } = 1.5f;
    /// <summary>Standard deviation of the elastic displacements in source pixels (0 = no elastic warp).</summary>
    public float ElasticPixels { get; init; }
}
