using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

// ====================================================================== layers

/// <summary>
/// Shared body of <see cref="Rnn"/>, <see cref="Lstm"/> and <see cref="Gru"/>: a stack of <see cref="NumLayers"/>
/// recurrent layers over batch-first input (B, T, I), optionally bidirectional, with PyTorch's parameter names
/// (<c>weight_ih_l{k}</c>, <c>weight_hh_l{k}</c>, <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c>, suffix <c>_reverse</c>)
/// and init U(±1/√H). Dropout (training only) is applied to the outputs of every layer but the last.
/// Each layer-direction is one GEMM for the input projection of all steps plus a fused recurrence.
/// </summary>
public abstract class RecurrentBase : Module
{
    private readonly CellKind _kind;
    private readonly (string Name, Tensor Param)[] _params;
    private readonly Tensor[] _wIh, _wHh;
    private readonly Tensor?[] _bIh, _bHh;
    private readonly Rng? _rng;

    public int InputSize { get; }
    public int HiddenSize { get; }
    public int NumLayers { get; }
    public bool Bidirectional { get; }
    public bool HasBias { get; }
    /// <summary>Dropout probability between layers.</summary>
    public float Dropout { get; }
    /// <summary>Number of directions D (2 when bidirectional).</summary>
    public int NumDirections => Bidirectional ? 2 : 1;

    private protected RecurrentBase(CellKind kind, int inputSize, int hiddenSize, int numLayers, bool bias, float dropout, bool bidirectional, Rng? rng)
    {
        if (inputSize < 1 || hiddenSize < 1 || numLayers < 1) throw new ArgumentOutOfRangeException(nameof(hiddenSize), "sizes and layer count must be positive");
        if (dropout < 0 || dropout > 1) throw new ArgumentOutOfRangeException(nameof(dropout), "dropout probability must be in [0, 1]");
        _kind = kind; _rng = rng;
        InputSize = inputSize; HiddenSize = hiddenSize; NumLayers = numLayers; HasBias = bias; Dropout = dropout; Bidirectional = bidirectional;
        int d = NumDirections, g = RnnKernels.Gates(kind) * hiddenSize;
        _wIh = new Tensor[numLayers * d]; _wHh = new Tensor[numLayers * d];
        _bIh = new Tensor?[numLayers * d]; _bHh = new Tensor?[numLayers * d];
        var list = new List<(string, Tensor)>();
        float k = 1f / MathF.Sqrt(hiddenSize);
        for (int l = 0; l < numLayers; l++)
            for (int dir = 0; dir < d; dir++)
            {
                int ix = l * d + dir;
                string sfx = $"_l{l}" + (dir == 1 ? "_reverse" : "");
                int inSize = l == 0 ? inputSize : hiddenSize * d;
                _wIh[ix] = Init.Uniform(k, rng, g, inSize); list.Add(("weight_ih" + sfx, _wIh[ix]));
                _wHh[ix] = Init.Uniform(k, rng, g, hiddenSize); list.Add(("weight_hh" + sfx, _wHh[ix]));
                if (bias)
                {
                    _bIh[ix] = Init.Uniform(k, rng, g); list.Add(("bias_ih" + sfx, _bIh[ix]!));
                    _bHh[ix] = Init.Uniform(k, rng, g); list.Add(("bias_hh" + sfx, _bHh[ix]!));
                }
            }
        _params = list.ToArray();
    }

    /// <inheritdoc/>
    protected override IEnumerable<(string Name, Tensor Param)> DynamicParameters() => _params;

    protected override IEnumerable<Rng> OwnGenerators() => _rng is null ? [] : [_rng];

    /// <summary>
    /// x (B, T, I); h0, c0 (L·D, B, H) or null for zeros; lengths per sequence (1…T) or null for all T.
    /// Returns the output (B, T, D·H), zero past each length, and h_n (and c_n) (L·D, B, H).
    /// </summary>
    private protected (Tensor Output, Tensor HN, Tensor? CN) ForwardCore(Tensor x, Tensor? h0, Tensor? c0, int[]? lengths)
    {
        if (x.Rank != 3 || x.Shape[2] != InputSize)
            throw new ArgumentException($"{GetType().Name}: input {ShapeUtil.Format(x.Shape)} is not (B, T, {InputSize})");
        int bsz = x.Shape[0], T = x.Shape[1], d = NumDirections;
        if (lengths is not null && lengths.Length != bsz) throw new ArgumentException($"{lengths.Length} lengths for a batch of {bsz}");
        CheckState(h0, bsz, "h0"); CheckState(c0, bsz, "c0");
        bool lstm = _kind == CellKind.Lstm;
        var hs = new List<Tensor>(); var cs = new List<Tensor>();
        var input = x;
        for (int l = 0; l < NumLayers; l++)
        {
            var outs = new Tensor[d];
            for (int dir = 0; dir < d; dir++)
            {
                int ix = l * d + dir;
                var xproj = F.Linear(input, _wIh[ix], _bIh[ix]);
                var (o, h, c) = RnnF.Recurrence(_kind, xproj, _wHh[ix], _bHh[ix], h0?.Select(0, ix), lstm ? c0?.Select(0, ix) : null, lengths, dir == 1);
                outs[dir] = o;
                hs.Add(h);
                if (c is not null) cs.Add(c);
            }
            input = d == 1 ? outs[0] : F.Concat(outs, 2);
            if (l < NumLayers - 1) input = F.Dropout(input, Dropout, Training, _rng);
        }
        return (input, F.Stack(hs, 0), lstm ? F.Stack(cs, 0) : null);
    }

    private void CheckState(Tensor? s, int bsz, string name)
    {
        if (s is null) return;
        if (s.Rank != 3 || s.Shape[0] != NumLayers * NumDirections || s.Shape[1] != bsz || s.Shape[2] != HiddenSize)
            throw new ArgumentException($"{GetType().Name}: {name} {ShapeUtil.Format(s.Shape)} is not ({NumLayers * NumDirections}, {bsz}, {HiddenSize})");
    }
}
