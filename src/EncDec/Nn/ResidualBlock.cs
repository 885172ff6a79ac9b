using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>
/// ResNet's basic block: conv 3×3 (stride) → BatchNorm → ReLU → conv 3×3 → BatchNorm, plus the input (through a
/// 1×1 strided conv + BatchNorm, <c>downsample</c>, when the shape changes), then ReLU. (N, in, H, W) → (N, out, H/s, W/s).
/// </summary>
public sealed class ResidualBlock : Module
{
    public Conv2d Conv1 { get; }
    public BatchNorm2d Bn1 { get; }
    public Conv2d Conv2 { get; }
    public BatchNorm2d Bn2 { get; }
    public Conv2d? DownsampleConv { get; }
    public BatchNorm2d? DownsampleBn { get; }

    public ResidualBlock(int inChannels, int outChannels, int stride = 1, Rng? rng = null)
    {
        Conv1 = new Conv2d(inChannels, outChannels, 3, stride, 1, bias: false, rng: rng);
        Bn1 = new BatchNorm2d(outChannels);
        Conv2 = new Conv2d(outChannels, outChannels, 3, 1, 1, bias: false, rng: rng);
        Bn2 = new BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
        {
            DownsampleConv = new Conv2d(inChannels, outChannels, 1, stride, 0, bias: false, rng: rng);
            DownsampleBn = new BatchNorm2d(outChannels);
        }
    }

    public Tensor Forward(Tensor x)
    {
        var h = Bn1.Forward(Conv1.Forward(x)).Relu();                       // (N, out, H/s, W/s)
        h = Bn2.Forward(Conv2.Forward(h));
        var skip = DownsampleConv is null ? x : DownsampleBn!.Forward(DownsampleConv.Forward(x));
        return (h + skip).Relu();
    }
}
