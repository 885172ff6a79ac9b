namespace EncDec.IO;

/// <summary>One header entry: name, element type, shape and byte range relative to the data buffer.</summary>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, int[] Shape, long Begin, long End);
