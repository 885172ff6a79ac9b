using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>Elman RNN cell, as <c>nn.RNNCell</c>: h' = act(W_ih·x + b_ih + W_hh·h + b_hh).</summary>
public sealed class RnnCell : RecurrentCellBase
{
    public RnnNonlinearity Nonlinearity { get; }

    public RnnCell(int inputSize, int hiddenSize, bool bias = true, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh, Rng? rng = null)
        : base(inputSize, hiddenSize, 1, bias, rng) => Nonlinearity = nonlinearity;

    /// <summary>x (B, I), h (B, H) or null for zeros → h' (B, H).</summary>
    public Tensor Forward(Tensor x, Tensor? h = null)
    {
        h ??= Tensor.Zeros(x.Shape[0], HiddenSize);
        var pre = F.Linear(x, WeightIh, BiasIh) + F.Linear(h, WeightHh, BiasHh);
        return Nonlinearity == RnnNonlinearity.Relu ? pre.Relu() : pre.Tanh();
    }
}
