namespace EncDec.Vision;

/// <summary>The two sizes; a caption names them.</summary>
public enum ShapeSize { Small, Large }
