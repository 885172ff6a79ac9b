using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// A decoder's incremental state between steps (cached keys/values, recurrent states). Passed in and
/// returned by <c>IDecoder.Step</c>, never hidden in a layer.
/// </summary>
public interface IDecoderState
{
    /// <summary>The state of batch rows <paramref name="rows"/> (for beam search reordering).</summary>
    IDecoderState Select(int[] rows);

    /// <summary>
    /// Every tensor this state holds, so that a caller freeing per-step temporaries with a <see cref="TensorScope"/>
    /// can keep them (state kept outside any scope may be listed too). Null (the default) when unknown: the caller
    /// must then not free anything allocated during a step. A state type that lists its tensors must always do so.
    /// </summary>
    IEnumerable<Tensor>? Tensors => null;
}
