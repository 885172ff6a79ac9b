namespace EncDec.Models;

/// <summary>Positional information of a Transformer.</summary>
public enum PositionalKind { Sinusoidal, Learned }
