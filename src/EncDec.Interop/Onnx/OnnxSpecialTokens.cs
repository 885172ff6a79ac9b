namespace EncDec.Interop.Onnx;

/// <summary>Special token ids of an exported model's vocabularies.</summary>
public sealed record OnnxSpecialTokens(int Pad, int Bos, int Eos, int Unk);
