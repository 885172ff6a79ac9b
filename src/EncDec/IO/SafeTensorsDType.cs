namespace EncDec.IO;

/// <summary>Element types of a safetensors file that EncDec can read (<see cref="F32"/> and, for int8 weights, <see cref="I8"/> are written).</summary>
public enum SafeTensorsDType { F32, F16, BF16, F64, I64, I32, I8 }
