using System.CommandLine;
using EncDec.Interop.Onnx;
using EncDec.IO;

namespace EncDec.Cli.Commands;

/// <summary>Formats <c>encdec export</c> writes.</summary>
public enum ExportFormat { Onnx, Pytorch }
