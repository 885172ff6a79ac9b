namespace EncDec.Vision;

/// <summary>One shape of a scene: kind, colour, size and its bounding box (top-left corner, side in pixels).</summary>
public sealed record PlacedShape(ShapeKind Kind, ShapeColour Colour, ShapeSize Size, int X, int Y, int Side)
{
    public float CentreX => X + Side / 2f;
    public string Phrase => $"a {Name(Size)} {Name(Colour)} {Name(Kind)}";
    internal static string Name<T>(T v) where T : Enum => v.ToString().ToLowerInvariant();
}
