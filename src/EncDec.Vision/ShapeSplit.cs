namespace EncDec.Vision;

/// <summary>Which scenes to draw: training seeds, held-out seeds (same distribution), or held-out colour–shape combinations.</summary>
public enum ShapeSplit { Train, HeldOut, HeldOutCombos }
