namespace EncDec.Vision;

/// <summary>
/// Which digit images a generated example may use: <see cref="Train"/> (the first 1,437 UCI images) or
/// <see cref="HeldOut"/> (the last 360), or, for choosing settings without touching the held-out images, the training
/// images cut in two: <see cref="Fit"/> (the first 1,221) to train on and <see cref="Validation"/> (the last 216 training
/// images, 15%) to score on.
/// </summary>
public enum DigitSplit { Train, HeldOut, Fit, Validation }
