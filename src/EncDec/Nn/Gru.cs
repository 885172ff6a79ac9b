using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>Multi-layer GRU, as <c>nn.GRU(batch_first=True)</c>.</summary>
public sealed class Gru : RecurrentBase
{
    public Gru(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, float dropout = 0f, bool bidirectional = false, Rng? rng = null)
        : base(CellKind.Gru, inputSize, hiddenSize, numLayers, bias, dropout, bidirectional, rng) { }

    /// <summary>x (B, T, I), h0 (L·D, B, H) → output (B, T, D·H), h_n (L·D, B, H). See <see cref="RecurrentBase"/>.</summary>
    public (Tensor Output, Tensor HN) Forward(Tensor x, Tensor? h0 = null, int[]? lengths = null)
    {
        var (o, h, _) = ForwardCore(x, h0, null, lengths);
        return (o, h);
    }
}
