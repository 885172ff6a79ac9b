using EncDec.Tensors;

namespace EncDec.Nn;

// ====================================================================== cells

/// <summary>
/// Parameters shared by the recurrent cells, with PyTorch's names and init U(±1/√H): <c>weight_ih</c> (G·H, I),
/// <c>weight_hh</c> (G·H, H), <c>bias_ih</c>, <c>bias_hh</c> (G·H), for G gates.
/// </summary>
public abstract class RecurrentCellBase : Module
{
    public Tensor WeightIh { get; }
    public Tensor WeightHh { get; }
    public Tensor? BiasIh { get; }
    public Tensor? BiasHh { get; }
    public int InputSize { get; }
    public int HiddenSize { get; }

    protected RecurrentCellBase(int inputSize, int hiddenSize, int gates, bool bias, Rng? rng)
    {
        InputSize = inputSize; HiddenSize = hiddenSize;
        float k = 1f / MathF.Sqrt(hiddenSize);
        WeightIh = Init.Uniform(k, rng, gates * hiddenSize, inputSize);
        WeightHh = Init.Uniform(k, rng, gates * hiddenSize, hiddenSize);
        if (bias) { BiasIh = Init.Uniform(k, rng, gates * hiddenSize); BiasHh = Init.Uniform(k, rng, gates * hiddenSize); }
    }
}
