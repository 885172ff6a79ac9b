using EncDec.Tensors;

namespace EncDec.Vision;

/// <summary>
/// Training batches of shape scenes: consecutive training scenes (0, 1, 2, … so no scene repeats before 2^40), each
/// augmented by <see cref="ImageAugmentation"/> with draws from the sampler's own seeded generator.
/// </summary>
public sealed class ShapeSceneSampler(ShapeSceneOptions scenes, AugmentOptions augment, ShapeLabel label, ulong seed)
{
    private readonly Rng _rng = new(seed);
    private long _next;

    /// <summary>The index of the next training scene.</summary>
    public long Position => _next;

    public ShapeSceneBatch Next(int count)
    {
        var b = ShapeScenes.Generate(ShapeSplit.Train, _next, count, scenes);
        _next += count;
        var flip = b.Shapes.Select(s => label == ShapeLabel.Mask || s.Length == 1).ToArray();
        var (px, masks) = ImageAugmentation.Apply(b.Pixels, b.Masks, count, 3, b.Height, b.Width, augment, _rng, flip);
        return b with { Pixels = px, Masks = masks! };
    }
}
