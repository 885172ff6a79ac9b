namespace EncDec.Vision;

/// <summary>What the second column of a labels file holds: a text (caption, OCR string) or the file name of a class mask.</summary>
public enum ImageLabelKind { Text, Mask }
