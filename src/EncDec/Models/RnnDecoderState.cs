using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Recurrent decoder state: per-layer hidden (and cell) states (B, H), the input-feeding vector, and per-sequence
/// precomputed attention keys or fixed context.</summary>
public sealed class RnnDecoderState : IDecoderState
{
    public Tensor[] H { get; }
    public Tensor[]? C { get; }
    public Tensor? Feed { get; }
    public Tensor? ProjectedKeys { get; }
    public Tensor? FixedContext { get; }

    public RnnDecoderState(Tensor[] h, Tensor[]? c, Tensor? feed, Tensor? projectedKeys, Tensor? fixedContext)
    {
        H = h; C = c; Feed = feed; ProjectedKeys = projectedKeys; FixedContext = fixedContext;
    }

    public IDecoderState Select(int[] rows)
    {
        var idx = new IndexTensor(rows, rows.Length);
        Tensor P(Tensor t) => F.IndexSelect(t, 0, idx);
        return new RnnDecoderState(H.Select(P).ToArray(), C?.Select(P).ToArray(), Feed is null ? null : P(Feed),
                                   ProjectedKeys is null ? null : P(ProjectedKeys), FixedContext is null ? null : P(FixedContext));
    }

    public IEnumerable<Tensor>? Tensors
        => H.Concat(C ?? Array.Empty<Tensor>()).Concat(new[] { Feed, ProjectedKeys, FixedContext }.OfType<Tensor>());
}
