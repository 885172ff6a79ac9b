using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// A decoder's state plus the model's output layer packed for this decoding run (<see cref="PackedLinear"/>): what
/// <see cref="EncoderDecoder.InitialState"/> returns without autograd, so every step's vocabulary projection skips
/// repacking the (V, H) weight. Selecting rows selects the decoder's state and keeps the packed layer.
/// </summary>
internal sealed class PackedOutputState(IDecoderState inner, PackedLinear generator) : IDecoderState
{
    /// <summary>The decoder's own state.</summary>
    public IDecoderState Inner => inner;

    /// <summary>The output layer packed when decoding began.</summary>
    public PackedLinear Generator => generator;

    public IDecoderState Select(int[] rows) => new PackedOutputState(inner.Select(rows), generator);

    public IEnumerable<Tensor>? Tensors => inner.Tensors;
}
