namespace EncDec.IO;

/// <summary>An int8 tensor to write to a safetensors file (dtype I8): its shape and row-major values.</summary>
public sealed record Int8Tensor(int[] Shape, sbyte[] Data);
