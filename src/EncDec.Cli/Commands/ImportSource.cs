using System.CommandLine;
using EncDec.Interop.PyTorch;
using EncDec.IO;
using EncDec.Nn;
using EncDec.Text;

namespace EncDec.Cli.Commands;

/// <summary>Where <c>encdec import</c> reads weights from.</summary>
public enum ImportSource { Pytorch }
