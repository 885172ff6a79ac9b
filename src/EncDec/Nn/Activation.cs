namespace EncDec.Nn;

/// <summary>Activation of a feed-forward block.</summary>
public enum Activation { Relu, Gelu }
