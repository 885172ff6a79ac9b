namespace EncDec.Interop.Onnx;

/// <summary>A graph input or output: name, element type and dimensions (a number, or the name of a dynamic axis).</summary>
public sealed record OnnxTensorInfo(string Name, string Type, IReadOnlyList<string> Dims);
