namespace EncDec.Nn;

/// <summary>Luong's score functions: dot qᵀk, general qᵀW k, concat vᵀ tanh(W [q; k]).</summary>
public enum LuongScore { Dot, General, Concat }
