using EncDec.Nn.LongAttention;
using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Nn;

namespace EncDec.Models;

/// <summary>Recurrent cell of an RNN encoder-decoder.</summary>
public enum RnnCellKind { Rnn, Lstm, Gru }
