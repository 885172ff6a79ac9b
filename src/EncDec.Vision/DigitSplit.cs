namespace EncDec.Vision;

/// <summary>
/// Which digit images a generated example may use: <see cref="Train"/> (the first 1,437 UCI images) or
/// <see cref="HeldOut"/> (the last 360), or, for choosing settings without touching the held-out images, the training
/// images cut in two by writer: <see cref="Validation"/> (two whole writers' forms, training images 1,157–1,414, 258
/// images) to score on and <see cref="Fit"/> (the other 1,179 training images, none by those two writers) to train on.
/// </summary>
public enum DigitSplit { Train, HeldOut, Fit, Validation }
