using EncDec.Nn.LongAttention;
using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Nn;

namespace EncDec.Models;

/// <summary>The fixed context an RNN decoder gets when it has no attention.</summary>
public enum ContextKind { LastState, MeanState }
