using EncDec.Tensors;
using EncDec.Vision;
using Xunit;

namespace EncDec.Tests.Vision;

public class ShapeScenesTests
{
    [Fact]
    public void ScenesAreSeededPerIndexAndCaptionsNameShapesLeftToRight()
    {
        var a = ShapeScenes.Generate(ShapeSplit.Train, 0, 40);
        var b = ShapeScenes.Generate(ShapeSplit.Train, 10, 5);
        Assert.Equal(a.Captions[10..15], b.Captions);                         // scene i depends only on (split, i)
        Assert.Equal(a.Pixels.AsSpan(10 * 3 * 1024, 5 * 3 * 1024).ToArray(), b.Pixels);
        Assert.Equal(new[] { 40, 3, 32, 32 }, a.ToTensor().Shape);
        Assert.All(a.Shapes, s => Assert.InRange(s.Length, 1, 3));
        for (int n = 0; n < a.Count; n++)
        {
            var sorted = a.Shapes[n].OrderBy(s => s.CentreX).ToArray();
            Assert.Equal(string.Join(" left of ", sorted.Select(s => s.Phrase)), a.Captions[n]);
            Assert.Equal(a.Shapes[n].Length - 1, a.Captions[n].Split(" left of ").Length - 1);
            // the mask holds exactly each shape's class over its pixels, background elsewhere
            var mask = a.Masks.AsSpan(n * 1024, 1024);
            int painted = 0;
            foreach (var s in a.Shapes[n])
                for (int r = 0; r < 32; r++)
                    for (int c = 0; c < 32; c++)
                        if (ShapeScenes.Covers(s, r, c)) { Assert.Equal(1 + (int)s.Kind, mask[r * 32 + c]); painted++; }
            Assert.Equal(painted, mask.ToArray().Count(m => m != 0));
        }
        Assert.Matches("^a (small|large) (red|green|blue|yellow) (circle|square|triangle)( left of a (small|large) (red|green|blue|yellow) (circle|square|triangle)){0,2}$", a.Captions[0]);
        Assert.True(a.Captions.Distinct().Count() > 30);
        // the word tokenizer of the captions knows every word: no UNK, and it round-trips
        var tok = EncDec.Text.WordTokenizer.Train(ShapeScenes.VocabularyLines(), 100);
        Assert.All(a.Captions, c => { Assert.DoesNotContain(EncDec.Text.Vocabulary.UnkId, tok.Encode(c)); Assert.Equal(c, tok.Decode(tok.Encode(c))); });
    }

    [Fact]
    public void ShapesHaveTheirColourAndSizeAndCirclesDifferFromSquares()
    {
        var s = ShapeScenes.Generate(ShapeSplit.HeldOut, 0, 60, new ShapeSceneOptions { Noise = 0, ColourJitter = 0 });
        for (int n = 0; n < s.Count; n++)
            foreach (var p in s.Shapes[n])
            {
                int r = p.Y + p.Side * 3 / 4, c = p.X + p.Side / 2, i = r * 32 + c;     // inside every kind
                var rgb = Enumerable.Range(0, 3).Select(ch => s.Pixels[(n * 3 + ch) * 1024 + i]).ToArray();
                int brightest = Array.IndexOf(rgb, rgb.Max());
                if (p.Colour == ShapeColour.Red) Assert.Equal(0, brightest);
                if (p.Colour == ShapeColour.Green) Assert.Equal(1, brightest);
                if (p.Colour == ShapeColour.Blue) Assert.Equal(2, brightest);
                if (p.Colour == ShapeColour.Yellow) Assert.True(rgb[0] > 0.8f && rgb[1] > 0.8f && rgb[2] < 0.3f);
                Assert.InRange(p.Side, p.Size == ShapeSize.Small ? 6 : 10, p.Size == ShapeSize.Small ? 7 : 12);
                int area = s.Masks.AsSpan(n * 1024, 1024).ToArray().Count(m => m == 1 + (int)p.Kind);
                Assert.True(area > 0);
            }
        // corners: a square covers its box corner, a circle and a triangle do not
        var sq = new PlacedShape(ShapeKind.Square, ShapeColour.Red, ShapeSize.Large, 0, 0, 10);
        Assert.True(ShapeScenes.Covers(sq, 0, 0));
        Assert.False(ShapeScenes.Covers(sq with { Kind = ShapeKind.Circle }, 0, 0));
        Assert.False(ShapeScenes.Covers(sq with { Kind = ShapeKind.Triangle }, 0, 0));
        Assert.True(ShapeScenes.Covers(sq with { Kind = ShapeKind.Triangle }, 9, 0));      // base corner
    }

    [Fact]
    public void HeldOutCombinationsOnlyAppearInTheirSplitAndSplitsDiffer()
    {
        var o = new ShapeSceneOptions();
        bool Has(ShapeSceneBatch b, int n) => b.Shapes[n].Any(s => o.HeldOutCombos.Contains((s.Colour, s.Kind)));
        var train = ShapeScenes.Generate(ShapeSplit.Train, 0, 300);
        var held = ShapeScenes.Generate(ShapeSplit.HeldOut, 0, 300);
        var combos = ShapeScenes.Generate(ShapeSplit.HeldOutCombos, 0, 100);
        Assert.DoesNotContain(Enumerable.Range(0, 300), n => Has(train, n) || Has(held, n));
        Assert.All(Enumerable.Range(0, 100), n => Assert.True(Has(combos, n), combos.Captions[n]));
        Assert.NotEqual(train.Pixels.Take(3072), held.Pixels.Take(3072));
        // every colour and every shape is still seen in training
        Assert.Equal(4, train.Shapes.SelectMany(x => x).Select(s => s.Colour).Distinct().Count());
        Assert.Equal(3, train.Shapes.SelectMany(x => x).Select(s => s.Kind).Distinct().Count());
    }

    [Fact]
    public void AugmentationIsSeededKeepsMaskAlignedAndFlipsOnlyWhereAllowed()
    {
        var b = ShapeScenes.Generate(ShapeSplit.Train, 0, 8, new ShapeSceneOptions { Noise = 0 });
        var o = new AugmentOptions();
        var (p1, m1) = ImageAugmentation.Apply(b.Pixels, b.Masks, 8, 3, 32, 32, o, new Rng(3));
        var (p2, m2) = ImageAugmentation.Apply(b.Pixels, b.Masks, 8, 3, 32, 32, o, new Rng(3));
        Assert.Equal(p1, p2); Assert.Equal(m1, m2);
        Assert.NotEqual(b.Pixels, p1);
        // aligned: the shape pixels of the new mask are bright in the new image, the background dark
        for (int n = 0; n < 8; n++)
            for (int i = 0; i < 1024; i++)
            {
                float max = Enumerable.Range(0, 3).Max(ch => p1[(n * 3 + ch) * 1024 + i]);
                if (m1![n * 1024 + i] == 0) continue;
                Assert.True(max > 0.2f, $"image {n} pixel {i}: mask {m1[n * 1024 + i]} but brightness {max}");
            }
        // a pure flip mirrors the mask exactly; a forbidden flip leaves it alone
        var flipOnly = AugmentOptions.None with { FlipProbability = 1 };
        var (_, mf) = ImageAugmentation.Apply(b.Pixels, b.Masks, 8, 3, 32, 32, flipOnly, new Rng(1));
        for (int r = 0; r < 32; r++)
            for (int c = 0; c < 32; c++) Assert.Equal(b.Masks[r * 32 + c], mf![r * 32 + 31 - c]);
        var (pn, mn) = ImageAugmentation.Apply(b.Pixels, b.Masks, 8, 3, 32, 32, flipOnly, new Rng(1), Enumerable.Repeat(false, 8).ToArray());
        Assert.Equal(b.Masks, mn);
        Assert.Equal(b.Pixels, pn);
        // the caption sampler never flips a scene whose caption says "left of"
        var sampler = new ShapeSceneSampler(new ShapeSceneOptions { Noise = 0 }, flipOnly, ShapeLabel.Caption, 5);
        var s = sampler.Next(8);
        for (int n = 0; n < 8; n++)
        {
            bool same = s.Masks.AsSpan(n * 1024, 1024).SequenceEqual(b.Masks.AsSpan(n * 1024, 1024));
            Assert.Equal(b.Shapes[n].Length > 1, same);
        }
        Assert.Equal(8, sampler.Position);
    }
}
