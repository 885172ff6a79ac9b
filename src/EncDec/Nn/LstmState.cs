using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>The (hidden, cell) state of an LSTM: (B, H) each for a cell, (L·D, B, H) each for a layer.</summary>
public sealed record LstmState(Tensor H, Tensor C);
