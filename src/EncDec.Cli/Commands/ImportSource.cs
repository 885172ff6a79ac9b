namespace EncDec.Cli.Commands;

/// <summary>Where <c>encdec import</c> reads weights from.</summary>
public enum ImportSource { Pytorch }
