using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>Inverted dropout, active only in training mode.</summary>
public sealed class Dropout : Module
{
    public float P { get; }
    private readonly Rng? _rng;

    public Dropout(float p, Rng? rng = null)
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), "dropout probability must be in [0, 1]");
        P = p; _rng = rng;
    }

    public Tensor Forward(Tensor x) => F.Dropout(x, P, Training, _rng);

    protected override IEnumerable<Rng> OwnGenerators() => _rng is null ? [] : [_rng];
}
