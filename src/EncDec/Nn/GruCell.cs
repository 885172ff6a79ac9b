using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// GRU cell, as <c>nn.GRUCell</c>: r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise,
/// n = tanh(W_in x + b_in + r·(W_hn h + b_hn)), h' = (1 − z)·n + z·h. The gate math is one fused op.
/// </summary>
public sealed class GruCell : RecurrentCellBase
{
    public GruCell(int inputSize, int hiddenSize, bool bias = true, Rng? rng = null) : base(inputSize, hiddenSize, 3, bias, rng) { }

    /// <summary>x (B, I), h (B, H) or null for zeros → h' (B, H).</summary>
    public Tensor Forward(Tensor x, Tensor? h = null)
    {
        h ??= Tensor.Zeros(x.Shape[0], HiddenSize);
        return RnnF.GruPointwise(F.Linear(x, WeightIh, BiasIh), F.Linear(h, WeightHh, BiasHh), h);
    }
}
