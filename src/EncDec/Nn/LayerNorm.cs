using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>Layer normalisation over the last dimension with learnable gain and bias.</summary>
public sealed class LayerNorm : Module
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public float Eps { get; }

    public LayerNorm(int dim, float eps = 1e-5f)
    {
        Eps = eps;
        Weight = Init.Constant(1f, dim);
        Bias = Init.Constant(0f, dim);
    }

    public Tensor Forward(Tensor x) => F.LayerNorm(x, Weight, Bias, Eps);
}
