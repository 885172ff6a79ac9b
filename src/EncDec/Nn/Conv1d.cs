using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>1-D convolution layer: weight (out, in/groups, k), bias (out); init U(±1/√(in/groups·k)). (N, in, L) → (N, out, L_out).</summary>
public sealed class Conv1d : Module
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    [NotState] public int Stride { get; }
    [NotState] public int Padding { get; }
    [NotState] public int Dilation { get; }
    [NotState] public int Groups { get; }

    public Conv1d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true, Rng? rng = null)
    {
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv1d: {inChannels} in and {outChannels} out channels must both divide into {groups} groups");
        Stride = stride; Padding = padding; Dilation = dilation; Groups = groups;
        float bound = 1f / MathF.Sqrt(inChannels / groups * kernel);
        Weight = Init.Uniform(bound, rng, outChannels, inChannels / groups, kernel);
        Bias = bias ? Init.Uniform(bound, rng, outChannels) : null;
    }

    public Tensor Forward(Tensor x) => F.Conv1d(x, Weight, Bias, Stride, Padding, Dilation, Groups);
}
