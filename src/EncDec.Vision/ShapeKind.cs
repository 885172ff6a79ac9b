namespace EncDec.Vision;

/// <summary>The shapes a generated scene draws (mask class = 1 + the value; 0 is background).</summary>
public enum ShapeKind { Circle, Square, Triangle }
