namespace EncDec.Cli.Commands;

/// <summary>Formats <c>encdec export</c> writes.</summary>
public enum ExportFormat { Onnx, Pytorch }
