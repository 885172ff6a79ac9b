using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// U-Net (Ronneberger et al., 2015): an encoder of double convs and 2×2 max pooling, a bottleneck, and a decoder that
/// upsamples with 2×2 transposed convolutions, concatenates the encoder's feature map of the same size (the skip
/// connection) and applies a double conv; a 1×1 convolution gives per-pixel class logits (N, classes, H, W).
/// Level channels: cnn_width × each entry of cnn_stages (the last one is the bottleneck).
/// </summary>
public sealed class UNet : Module
{
    public DoubleConv Inc { get; }
    public ModuleList<DoubleConv> Down { get; }
    public ModuleList<ConvTranspose2d> Up { get; }
    public ModuleList<DoubleConv> UpConv { get; }
    public Conv2d Head { get; }
    public int NumClasses { get; }

    public UNet(VisionConfig v, int numClasses, Rng rng)
    {
        NumClasses = numClasses;
        var ch = new[] { v.CnnWidth }.Concat(v.CnnStages.Select(m => v.CnnWidth * m)).ToArray();   // channels per level
        Inc = new DoubleConv(v.Channels, ch[0], rng);
        Down = new ModuleList<DoubleConv>(Enumerable.Range(1, ch.Length - 1).Select(i => new DoubleConv(ch[i - 1], ch[i], rng)).ToList());
        Up = new ModuleList<ConvTranspose2d>(Enumerable.Range(1, ch.Length - 1).Reverse().Select(i => new ConvTranspose2d(ch[i], ch[i - 1], 2, 2, rng: rng)).ToList());
        UpConv = new ModuleList<DoubleConv>(Enumerable.Range(1, ch.Length - 1).Reverse().Select(i => new DoubleConv(2 * ch[i - 1], ch[i - 1], rng)).ToList());
        Head = new Conv2d(ch[0], numClasses, 1, rng: rng);
    }

    /// <summary>Images (N, C, H, W), H and W multiples of 2^levels → logits (N, classes, H, W).</summary>
    public Tensor Forward(Tensor images)
    {
        var skips = new List<Tensor>();
        var h = Inc.Forward(images);                                         // (N, c0, H, W)
        foreach (var d in Down)
        {
            skips.Add(h);
            h = d.Forward(F.MaxPool2d(h, 2));                                // (N, c_{i}, H/2^i, W/2^i)
        }
        for (int i = 0; i < Up.Count; i++)
        {
            var skip = skips[^(i + 1)];
            h = Up[i].Forward(h);                                            // (N, c_{i-1}, 2h, 2w)
            h = UpConv[i].Forward(F.Concat([skip, h], 1));                   // concat on channels → (N, c_{i-1}, 2h, 2w)
        }
        return Head.Forward(h);
    }
}
