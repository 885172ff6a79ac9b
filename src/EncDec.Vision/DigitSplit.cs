namespace EncDec.Vision;

/// <summary>Which digit images a generated example may use.</summary>
public enum DigitSplit { Train, HeldOut }
