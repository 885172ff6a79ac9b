namespace EncDec.Models;

/// <summary>Recurrent cell of an RNN encoder-decoder.</summary>
public enum RnnCellKind { Rnn, Lstm, Gru }
