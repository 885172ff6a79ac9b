using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// LSTM cell, as <c>nn.LSTMCell</c>: gates [i f g o] = W_ih·x + b_ih + W_hh·h + b_hh,
/// c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c'). The gate math is one fused op.
/// </summary>
public sealed class LstmCell : RecurrentCellBase
{
    public LstmCell(int inputSize, int hiddenSize, bool bias = true, Rng? rng = null) : base(inputSize, hiddenSize, 4, bias, rng) { }

    /// <summary>x (B, I) and the previous state (zeros when null) → the new state.</summary>
    public LstmState Forward(Tensor x, LstmState? state = null)
    {
        var h = state?.H ?? Tensor.Zeros(x.Shape[0], HiddenSize);
        var c = state?.C ?? Tensor.Zeros(x.Shape[0], HiddenSize);
        var gates = F.Linear(x, WeightIh, BiasIh) + F.Linear(h, WeightHh, BiasHh);
        var (hn, cn) = RnnF.LstmPointwise(gates, c);
        return new LstmState(hn, cn);
    }
}
