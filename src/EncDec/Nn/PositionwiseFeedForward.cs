using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// Linear → ReLU|GELU → dropout → Linear, with PyTorch's names <c>linear1</c>, <c>linear2</c>. Transformer layers
/// build one over their own <c>linear1</c>/<c>dropout</c>/<c>linear2</c> so the parameters keep PyTorch's flat names.
/// </summary>
public sealed class PositionwiseFeedForward : Module
{
    public Linear Linear1 { get; }
    public Dropout Dropout { get; }
    public Linear Linear2 { get; }
    public Activation Activation { get; }

    public PositionwiseFeedForward(int dModel, int dimFeedForward, Activation activation = Activation.Relu, float dropout = 0f, Rng? rng = null)
        : this(new Linear(dModel, dimFeedForward, rng: rng), new Dropout(dropout, rng), new Linear(dimFeedForward, dModel, rng: rng), activation) { }

    /// <summary>Wraps existing modules (shared, not copied).</summary>
    public PositionwiseFeedForward(Linear linear1, Dropout dropout, Linear linear2, Activation activation)
    {
        Linear1 = linear1; Dropout = dropout; Linear2 = linear2; Activation = activation;
    }

    /// <summary>(…, d) → (…, d).</summary>
    public Tensor Forward(Tensor x) => Forward(x, null, null);

    /// <summary><see cref="Forward(Tensor)"/> with the two layers packed for decoding (null: the layer's own); the packed ones are used only without autograd.</summary>
    public Tensor Forward(Tensor x, PackedLinear? linear1, PackedLinear? linear2)
    {
        var h = PackedLinear.Apply(Linear1, linear1, x);                     // (…, F)
        h = Activation == Activation.Gelu ? h.Gelu() : h.Relu();
        return PackedLinear.Apply(Linear2, linear2, Dropout.Forward(h));     // (…, d)
    }
}
