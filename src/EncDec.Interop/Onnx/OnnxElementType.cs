namespace EncDec.Interop.Onnx;

/// <summary>Element types of graph inputs and outputs.</summary>
public enum OnnxElementType { Float = 1, Int64 = 7, Int32 = 6, Bool = 9 }
