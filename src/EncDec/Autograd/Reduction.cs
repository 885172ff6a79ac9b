namespace EncDec.Autograd;

/// <summary>How a loss is reduced over its elements.</summary>
public enum Reduction { None, Mean, Sum }
