using EncDec.Nn.LongAttention;
using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Nn;

namespace EncDec.Models;

/// <summary>Positional information of a Transformer.</summary>
public enum PositionalKind { Sinusoidal, Learned }
