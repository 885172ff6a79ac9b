namespace EncDec.IO;

/// <summary>A parsed, validated header.</summary>
public sealed record SafeTensorsHeader(IReadOnlyList<SafeTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata, long HeaderLength, long DataStart);
