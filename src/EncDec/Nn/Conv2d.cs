using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// 2-D convolution layer: weight (out, in/groups, kh, kw), bias (out); PyTorch's default init U(±1/√fan_in) with
/// fan_in = in/groups·kh·kw. Input (N, in, H, W) → (N, out, Ho, Wo).
/// </summary>
public sealed class Conv2d : Module
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    [NotState] public (int H, int W) Stride { get; }
    [NotState] public (int H, int W) Padding { get; }
    [NotState] public (int H, int W) Dilation { get; }
    [NotState] public int Groups { get; }

    public Conv2d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true, Rng? rng = null)
        : this(inChannels, outChannels, (kernel, kernel), (stride, stride), (padding, padding), (dilation, dilation), groups, bias, rng) { }

    public Conv2d(int inChannels, int outChannels, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation,
                  int groups = 1, bool bias = true, Rng? rng = null)
    {
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: {inChannels} in and {outChannels} out channels must both divide into {groups} groups");
        Stride = stride; Padding = padding; Dilation = dilation; Groups = groups;
        int fanIn = inChannels / groups * kernel.H * kernel.W;
        float bound = 1f / MathF.Sqrt(fanIn);
        Weight = Init.Uniform(bound, rng, outChannels, inChannels / groups, kernel.H, kernel.W);
        Bias = bias ? Init.Uniform(bound, rng, outChannels) : null;
    }

    public Tensor Forward(Tensor x) => F.Conv2d(x, Weight, Bias, Stride, Padding, Dilation, Groups);
}
