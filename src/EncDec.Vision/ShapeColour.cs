namespace EncDec.Vision;

/// <summary>The colours of the shapes.</summary>
public enum ShapeColour { Red, Green, Blue, Yellow }
