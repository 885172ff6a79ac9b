using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>Multi-layer Elman RNN, as <c>nn.RNN(batch_first=True)</c>.</summary>
public sealed class Rnn : RecurrentBase
{
    public RnnNonlinearity Nonlinearity { get; }

    public Rnn(int inputSize, int hiddenSize, int numLayers = 1, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh, bool bias = true,
               float dropout = 0f, bool bidirectional = false, Rng? rng = null)
        : base(nonlinearity == RnnNonlinearity.Relu ? CellKind.RnnRelu : CellKind.RnnTanh, inputSize, hiddenSize, numLayers, bias, dropout, bidirectional, rng)
        => Nonlinearity = nonlinearity;

    /// <summary>x (B, T, I), h0 (L·D, B, H) → output (B, T, D·H), h_n (L·D, B, H). See <see cref="RecurrentBase"/>.</summary>
    public (Tensor Output, Tensor HN) Forward(Tensor x, Tensor? h0 = null, int[]? lengths = null)
    {
        var (o, h, _) = ForwardCore(x, h0, null, lengths);
        return (o, h);
    }
}
