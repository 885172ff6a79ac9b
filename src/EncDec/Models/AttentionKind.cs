namespace EncDec.Models;

/// <summary>Attention of an RNN decoder over the encoder states.</summary>
public enum AttentionKind { None, Bahdanau, LuongDot, LuongGeneral, LuongConcat }
