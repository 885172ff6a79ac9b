using EncDec.Tensors;

namespace EncDec.Vision;

/// <summary>
/// Generated scenes of 1–3 coloured shapes (circle, square, triangle; red, green, blue, yellow; small or large) on a dark
/// background, with a per-pixel shape mask and a caption naming the shapes from left to right, e.g.
/// "a small red circle left of a large blue square". Scene i of a split is drawn from its own seed (split base + i), so
/// a scene is a function of (split, index, options): training uses seeds [0, 2^40), held-out scenes seeds from 2^40 on,
/// held-out combinations from 2^41 on; <see cref="ShapeSceneOptions.HeldOutCombos"/> never appear outside the last split.
/// </summary>
public static class ShapeScenes
{
    public const int Classes = 4;
    private const ulong HeldOutBase = 1UL << 40, CombosBase = 1UL << 41;

    private static readonly float[][] Rgb = [[0.9f, 0.15f, 0.1f], [0.15f, 0.8f, 0.2f], [0.15f, 0.3f, 0.95f], [0.95f, 0.9f, 0.15f]];

    /// <summary>Scenes first … first + count − 1 of a split.</summary>
    public static ShapeSceneBatch Generate(ShapeSplit split, long first, int count, ShapeSceneOptions? options = null)
    {
        var o = options ?? new ShapeSceneOptions();
        Check(o);
        int hw = o.Height * o.Width;
        var px = new float[count * 3 * hw];
        var masks = new int[count * hw];
        var captions = new string[count];
        var shapes = new PlacedShape[count][];
        ulong b = split switch { ShapeSplit.Train => 0UL, ShapeSplit.HeldOut => HeldOutBase, _ => CombosBase };
        for (int n = 0; n < count; n++)
        {
            var rng = new Rng(b + (ulong)(first + n));
            var scene = Layout(rng, o, split);
            shapes[n] = scene;
            captions[n] = Caption(scene);
            Render(scene, rng, o, px.AsSpan(n * 3 * hw, 3 * hw), masks.AsSpan(n * hw, hw));
        }
        return new ShapeSceneBatch(px, masks, captions, shapes, o.Height, o.Width);
    }

    /// <summary>The caption: the shapes' phrases from left to right joined by "left of".</summary>
    public static string Caption(IReadOnlyList<PlacedShape> scene)
        => string.Join(" left of ", scene.OrderBy(s => s.CentreX).Select(s => s.Phrase));

    /// <summary>
    /// A hard negative of the scene's caption: with two or more shapes, half the time two neighbouring phrases swapped
    /// (the same shapes in another order); otherwise one shape's colour, kind or size changed to another allowed value
    /// (never to a held-out colour–shape pair). Always differs from <see cref="Caption"/> of the scene.
    /// </summary>
    public static string HardNegative(IReadOnlyList<PlacedShape> scene, Rng rng, ShapeSceneOptions? options = null)
    {
        var o = options ?? new ShapeSceneOptions();
        var ordered = scene.OrderBy(s => s.CentreX).ToArray();
        string caption = Caption(scene);
        if (ordered.Length >= 2 && rng.NextInt(2) == 0)
        {
            int i = rng.NextInt(ordered.Length - 1);
            var phrases = ordered.Select(s => s.Phrase).ToArray();
            (phrases[i], phrases[i + 1]) = (phrases[i + 1], phrases[i]);
            var swapped = string.Join(" left of ", phrases);
            if (swapped != caption) return swapped;
        }
        while (true)
        {
            int i = rng.NextInt(ordered.Length);
            var s = ordered[i];
            var changed = rng.NextInt(3) switch
            {
                0 => s with { Colour = (ShapeColour)((int)(s.Colour + 1 + rng.NextInt(3)) % 4) },
                1 => s with { Kind = (ShapeKind)((int)(s.Kind + 1 + rng.NextInt(2)) % 3) },
                _ => s with { Size = s.Size == ShapeSize.Small ? ShapeSize.Large : ShapeSize.Small },
            };
            if (!Allowed(changed.Colour, changed.Kind, o)) continue;
            var copy = ordered.ToArray();
            copy[i] = changed;
            var text = string.Join(" left of ", copy.Select(c => c.Phrase));
            if (text != caption) return text;
        }
    }

    /// <summary>
    /// Lines holding every word a caption can use, each at a line start and after a space, to train a word tokenizer
    /// (which keeps "small" and "▁small" apart).
    /// </summary>
    public static IEnumerable<string> VocabularyLines() => Words().Select(w => $"{w} {w}");

    private static IEnumerable<string> Words()
        => Enum.GetValues<ShapeSize>().Select(PlacedShape.Name).Concat(Enum.GetValues<ShapeColour>().Select(PlacedShape.Name))
               .Concat(Enum.GetValues<ShapeKind>().Select(PlacedShape.Name)).Concat(["a", "left", "of"]);

    private static void Check(ShapeSceneOptions o)
    {
        if (o.MinShapes < 1 || o.MaxShapes < o.MinShapes) throw new ArgumentException("shapes per scene: need 1 ≤ min ≤ max");
        if (o.SmallMin < 3 || o.SmallMax < o.SmallMin || o.LargeMin <= o.SmallMax || o.LargeMax < o.LargeMin)
            throw new ArgumentException("shape sides: need 3 ≤ small_min ≤ small_max < large_min ≤ large_max");
        if (o.LargeMax + 2 * o.Margin > Math.Min(o.Height, o.Width)) throw new ArgumentException("a large shape does not fit the image");
    }

    private static bool Allowed(ShapeColour c, ShapeKind k, ShapeSceneOptions o) => !o.HeldOutCombos.Contains((c, k));

    /// <summary>Draws the attributes, then places the shapes without overlap (one pixel apart) and with distinct horizontal centres; redraws until they fit.</summary>
    private static PlacedShape[] Layout(Rng rng, ShapeSceneOptions o, ShapeSplit split)
    {
        while (true)
        {
            int count = o.MinShapes + rng.NextInt(o.MaxShapes - o.MinShapes + 1);
            var attrs = new (ShapeKind K, ShapeColour C, ShapeSize S)[count];
            for (int i = 0; i < count; i++)
            {
                ShapeKind k; ShapeColour c;
                do { k = (ShapeKind)rng.NextInt(3); c = (ShapeColour)rng.NextInt(4); }
                while (split != ShapeSplit.HeldOutCombos && !Allowed(c, k, o));
                attrs[i] = (k, c, (ShapeSize)rng.NextInt(2));
            }
            if (split == ShapeSplit.HeldOutCombos && attrs.All(a => Allowed(a.C, a.K, o)))
            {
                if (o.HeldOutCombos.Length == 0) throw new ArgumentException("the held-out-combinations split needs held_out_combos");
                var (c, k) = o.HeldOutCombos[rng.NextInt(o.HeldOutCombos.Length)];
                attrs[rng.NextInt(count)] = (k, c, attrs[0].S);
            }
            var placed = new List<PlacedShape>();
            foreach (var (k, c, s) in attrs)
            {
                int side = s == ShapeSize.Small ? o.SmallMin + rng.NextInt(o.SmallMax - o.SmallMin + 1) : o.LargeMin + rng.NextInt(o.LargeMax - o.LargeMin + 1);
                for (int attempt = 0; attempt < 50; attempt++)
                {
                    int x = o.Margin + rng.NextInt(o.Width - 2 * o.Margin - side + 1);
                    int y = o.Margin + rng.NextInt(o.Height - 2 * o.Margin - side + 1);
                    var cand = new PlacedShape(k, c, s, x, y, side);
                    if (placed.All(p => Apart(p, cand) && Math.Abs(p.CentreX - cand.CentreX) >= o.MinCentreGap)) { placed.Add(cand); break; }
                }
            }
            if (placed.Count == count) return placed.ToArray();
        }
    }

    private static bool Apart(PlacedShape a, PlacedShape b)
        => a.X + a.Side + 1 <= b.X || b.X + b.Side + 1 <= a.X || a.Y + a.Side + 1 <= b.Y || b.Y + b.Side + 1 <= a.Y;

    /// <summary>Whether pixel (row, col) (its centre) lies inside the shape.</summary>
    public static bool Covers(PlacedShape s, int row, int col)
    {
        float u = (col + 0.5f - s.X) / s.Side, v = (row + 0.5f - s.Y) / s.Side;    // position in the box, [0, 1)²
        if (u < 0 || u >= 1 || v < 0 || v >= 1) return false;
        return s.Kind switch
        {
            ShapeKind.Square => true,
            ShapeKind.Circle => (u - 0.5f) * (u - 0.5f) + (v - 0.5f) * (v - 0.5f) <= 0.25f,
            _ => Math.Abs(u - 0.5f) <= 0.5f * v,                                      // apex at the top, base at the bottom
        };
    }

    private static void Render(PlacedShape[] scene, Rng rng, ShapeSceneOptions o, Span<float> px, Span<int> mask)
    {
        int hw = o.Height * o.Width;
        float bg = 0.08f + 0.06f * rng.NextFloat();
        px.Fill(bg);
        foreach (var s in scene)
        {
            var rgb = Rgb[(int)s.Colour].Select(v => Math.Clamp(v + o.ColourJitter * (float)rng.NextNormal(), 0f, 1f)).ToArray();
            for (int r = s.Y; r < s.Y + s.Side; r++)
                for (int c = s.X; c < s.X + s.Side; c++)
                {
                    if (!Covers(s, r, c)) continue;
                    int p = r * o.Width + c;
                    mask[p] = 1 + (int)s.Kind;
                    for (int ch = 0; ch < 3; ch++) px[ch * hw + p] = rgb[ch];
                }
        }
        if (o.Noise > 0) for (int i = 0; i < px.Length; i++) px[i] += o.Noise * (float)rng.NextNormal();
    }
}
