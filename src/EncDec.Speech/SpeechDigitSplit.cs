namespace EncDec.Speech;

/// <summary>The halves of the shipped spoken-digit set: training voices, and held-out voices never heard in training.</summary>
public enum SpeechDigitSplit { Train, Test }
