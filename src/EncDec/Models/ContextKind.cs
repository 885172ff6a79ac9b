namespace EncDec.Models;

/// <summary>The fixed context an RNN decoder gets when it has no attention.</summary>
public enum ContextKind { LastState, MeanState }
