namespace EncDec.TimeSeries;

/// <summary>A part of a <see cref="TimeSplit"/>.</summary>
public enum SplitPart { Train, Valid, Test }
