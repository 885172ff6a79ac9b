using EncDec.Nn.LongAttention;

namespace EncDec.Nn;

/// <summary>Hyper-parameters of one Transformer encoder or decoder layer (PyTorch's defaults). <paramref name="SelfAttention"/>:
/// the core of the self-attention sublayer (null = full attention); cross-attention is always full.</summary>
public sealed record TransformerLayerOptions(int DModel, int NHeads, int DimFeedForward = 2048, float Dropout = 0.1f,
                                             Activation Activation = Activation.Relu, NormPosition Norm = NormPosition.Post,
                                             float LayerNormEps = 1e-5f, AttentionCoreOptions? SelfAttention = null)
{
    /// <summary>Width of one attention head; null = DModel / NHeads. Set by a structurally pruned model (fewer heads of the original width).</summary>
    public int? HeadDim { get; init; }
    /// <summary>Heads of a decoder layer's cross-attention; null = <see cref="NHeads"/>.</summary>
    public int? CrossHeads { get; init; }
    /// <summary>Width of an encoder layer's local token-mixing sublayer (<see cref="SequenceConv"/>, odd), run before its
    /// self-attention; null = none (the layer of PyTorch). Only encoder layers of a full-sequence forward use it.</summary>
    public int? ConvKernel { get; init; }
}
