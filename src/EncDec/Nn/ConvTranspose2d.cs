using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// Transposed 2-D convolution layer: weight (in, out/groups, kh, kw), bias (out); init U(±1/√fan_in) with PyTorch's
/// fan_in = out/groups·kh·kw (computed from the weight's second dimension).
/// </summary>
public sealed class ConvTranspose2d : Module
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    [NotState] public int Stride { get; }
    [NotState] public int Padding { get; }
    [NotState] public int OutputPadding { get; }
    [NotState] public int Dilation { get; }
    [NotState] public int Groups { get; }

    public ConvTranspose2d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, int outputPadding = 0,
                           int dilation = 1, int groups = 1, bool bias = true, Rng? rng = null)
    {
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"ConvTranspose2d: {inChannels} in and {outChannels} out channels must both divide into {groups} groups");
        Stride = stride; Padding = padding; OutputPadding = outputPadding; Dilation = dilation; Groups = groups;
        float bound = 1f / MathF.Sqrt(outChannels / groups * kernel * kernel);
        Weight = Init.Uniform(bound, rng, inChannels, outChannels / groups, kernel, kernel);
        Bias = bias ? Init.Uniform(bound, rng, outChannels) : null;
    }

    public Tensor Forward(Tensor x) => F.ConvTranspose2d(x, Weight, Bias, Stride, Padding, OutputPadding, Dilation, Groups);
}
