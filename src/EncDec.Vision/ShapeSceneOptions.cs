namespace EncDec.Vision;

/// <summary>Settings of the generated scenes.</summary>
public sealed record ShapeSceneOptions
{
    public int Height { get; init; } = 32;
    public int Width { get; init; } = 32;
    public int MinShapes { get; init; } = 1;
    public int MaxShapes { get; init; } = 3;
    /// <summary>Side of a small / large shape: uniform in [min, max] pixels.</summary>
    public int SmallMin { get; init; } = 6;
    public int SmallMax { get; init; } = 7;
    public int LargeMin { get; init; } = 10;
    public int LargeMax { get; init; } = 12;
    /// <summary>Free pixels kept between a shape and the image border (so a small translation never cuts a shape).</summary>
    public int Margin { get; init; } = 2;
    /// <summary>Horizontal centres of two shapes differ by at least this many pixels ("left of" is always visible).</summary>
    public int MinCentreGap { get; init; } = 4;
    /// <summary>Standard deviation of the Gaussian pixel noise and of each shape's colour jitter.</summary>
    public float Noise { get; init; } = 0.03f;
    public float ColourJitter { get; init; } = 0.08f;
    /// <summary>
    /// Colour–shape combinations never drawn in <see cref="ShapeSplit.Train"/> or <see cref="ShapeSplit.HeldOut"/>;
    /// every <see cref="ShapeSplit.HeldOutCombos"/> scene has at least one. Each colour and each shape still appears in training.
    /// </summary>
    public (ShapeColour Colour, ShapeKind Kind)[] HeldOutCombos { get; init; } =
        [(ShapeColour.Red, ShapeKind.Triangle), (ShapeColour.Green, ShapeKind.Circle), (ShapeColour.Blue, ShapeKind.Square), (ShapeColour.Yellow, ShapeKind.Triangle)];
}
