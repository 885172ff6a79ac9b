using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Two 3×3 convolutions with BatchNorm and ReLU (U-Net's "double conv"): (N, in, H, W) → (N, out, H, W).</summary>
public sealed class DoubleConv : Module
{
    public Conv2d Conv1 { get; }
    public BatchNorm2d Bn1 { get; }
    public Conv2d Conv2 { get; }
    public BatchNorm2d Bn2 { get; }

    public DoubleConv(int inChannels, int outChannels, Rng rng)
    {
        Conv1 = new Conv2d(inChannels, outChannels, 3, 1, 1, bias: false, rng: rng);
        Bn1 = new BatchNorm2d(outChannels);
        Conv2 = new Conv2d(outChannels, outChannels, 3, 1, 1, bias: false, rng: rng);
        Bn2 = new BatchNorm2d(outChannels);
    }

    public Tensor Forward(Tensor x) => Bn2.Forward(Conv2.Forward(Bn1.Forward(Conv1.Forward(x)).Relu())).Relu();
}
