namespace EncDec.Interop.Onnx;

/// <summary>
/// One piece of decoder state of an exported decoder-step graph: fed as <paramref name="Input"/>, returned as
/// <paramref name="Output"/> for the next step. Before the first step it is the encoder output <paramref name="InitialFrom"/>,
/// or, when that is null, an empty tensor of per-row shape <paramref name="EmptyShape"/> (batch first; a 0 is the growing axis).
/// </summary>
public sealed record OnnxStateSpec(string Input, string Output, string? InitialFrom, int[]? EmptyShape);
