namespace EncDec.Tensors;

/// <summary>Serializable generator state.</summary>
public sealed record RngState(ulong S0, ulong S1, ulong S2, ulong S3, double? Spare);
