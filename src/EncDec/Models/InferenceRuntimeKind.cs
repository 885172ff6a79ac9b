namespace EncDec.Models;

/// <summary>What runs a model's encoder and decoder steps under EncDec's search: EncDec's own layers, or ONNX Runtime on an export.</summary>
public enum InferenceRuntimeKind { Native, Onnx }
