namespace EncDec.Vision;

/// <summary>What a training batch is labelled with, which decides whether a horizontal flip keeps the label true.</summary>
public enum ShapeLabel
{
    /// <summary>Per-pixel masks: flipped with the image, always safe.</summary>
    Mask,
    /// <summary>Captions: a caption with "left of" would become false, so only single-shape scenes are flipped.</summary>
    Caption,
}
