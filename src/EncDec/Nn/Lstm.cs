using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>Multi-layer LSTM, as <c>nn.LSTM(batch_first=True)</c>.</summary>
public sealed class Lstm : RecurrentBase
{
    public Lstm(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, float dropout = 0f, bool bidirectional = false, Rng? rng = null)
        : base(CellKind.Lstm, inputSize, hiddenSize, numLayers, bias, dropout, bidirectional, rng) { }

    /// <summary>x (B, T, I), state (h_0, c_0) each (L·D, B, H) → output (B, T, D·H), (h_n, c_n). See <see cref="RecurrentBase"/>.</summary>
    public (Tensor Output, LstmState State) Forward(Tensor x, LstmState? state = null, int[]? lengths = null)
    {
        var (o, h, c) = ForwardCore(x, state?.H, state?.C, lengths);
        return (o, new LstmState(h, c!));
    }
}
