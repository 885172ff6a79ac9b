using EncDec.Nn.LongAttention;
using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Nn;

namespace EncDec.Models;

/// <summary>Attention of an RNN decoder over the encoder states.</summary>
public enum AttentionKind { None, Bahdanau, LuongDot, LuongGeneral, LuongConcat }
