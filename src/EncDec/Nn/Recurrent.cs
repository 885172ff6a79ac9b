using EncDec.Autograd;
using EncDec.Tensors;

namespace EncDec.Nn;

/// <summary>The (hidden, cell) state of an LSTM: (B, H) each for a cell, (L·D, B, H) each for a layer.</summary>
public sealed record LstmState(Tensor H, Tensor C);

// ====================================================================== cells

/// <summary>
/// Parameters shared by the recurrent cells, with PyTorch's names and init U(±1/√H): <c>weight_ih</c> (G·H, I),
/// <c>weight_hh</c> (G·H, H), <c>bias_ih</c>, <c>bias_hh</c> (G·H), for G gates.
/// </summary>
public abstract class RecurrentCellBase : Module
{
    public Tensor WeightIh { get; }
    public Tensor WeightHh { get; }
    public Tensor? BiasIh { get; }
    public Tensor? BiasHh { get; }
    public int InputSize { get; }
    public int HiddenSize { get; }

    protected RecurrentCellBase(int inputSize, int hiddenSize, int gates, bool bias, Rng? rng)
    {
        InputSize = inputSize; HiddenSize = hiddenSize;
        float k = 1f / MathF.Sqrt(hiddenSize);
        WeightIh = Init.Uniform(k, rng, gates * hiddenSize, inputSize);
        WeightHh = Init.Uniform(k, rng, gates * hiddenSize, hiddenSize);
        if (bias) { BiasIh = Init.Uniform(k, rng, gates * hiddenSize); BiasHh = Init.Uniform(k, rng, gates * hiddenSize); }
    }
}

/// <summary>Elman RNN cell, as <c>nn.RNNCell</c>: h' = act(W_ih·x + b_ih + W_hh·h + b_hh).</summary>
public sealed class RnnCell : RecurrentCellBase
{
    public RnnNonlinearity Nonlinearity { get; }

    public RnnCell(int inputSize, int hiddenSize, bool bias = true, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh, Rng? rng = null)
        : base(inputSize, hiddenSize, 1, bias, rng) => Nonlinearity = nonlinearity;

    /// <summary>x (B, I), h (B, H) or null for zeros → h' (B, H).</summary>
    public Tensor Forward(Tensor x, Tensor? h = null)
    {
        h ??= Tensor.Zeros(x.Shape[0], HiddenSize);
        var pre = F.Linear(x, WeightIh, BiasIh) + F.Linear(h, WeightHh, BiasHh);
        return Nonlinearity == RnnNonlinearity.Relu ? pre.Relu() : pre.Tanh();
    }
}

/// <summary>
/// LSTM cell, as <c>nn.LSTMCell</c>: gates [i f g o] = W_ih·x + b_ih + W_hh·h + b_hh,
/// c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c'). The gate math is one fused op.
/// </summary>
public sealed class LstmCell : RecurrentCellBase
{
    public LstmCell(int inputSize, int hiddenSize, bool bias = true, Rng? rng = null) : base(inputSize, hiddenSize, 4, bias, rng) { }

    /// <summary>x (B, I) and the previous state (zeros when null) → the new state.</summary>
    public LstmState Forward(Tensor x, LstmState? state = null)
    {
        var h = state?.H ?? Tensor.Zeros(x.Shape[0], HiddenSize);
        var c = state?.C ?? Tensor.Zeros(x.Shape[0], HiddenSize);
        var gates = F.Linear(x, WeightIh, BiasIh) + F.Linear(h, WeightHh, BiasHh);
        var (hn, cn) = RnnF.LstmPointwise(gates, c);
        return new LstmState(hn, cn);
    }
}

/// <summary>
/// GRU cell, as <c>nn.GRUCell</c>: r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise,
/// n = tanh(W_in x + b_in + r·(W_hn h + b_hn)), h' = (1 − z)·n + z·h. The gate math is one fused op.
/// </summary>
public sealed class GruCell : RecurrentCellBase
{
    public GruCell(int inputSize, int hiddenSize, bool bias = true, Rng? rng = null) : base(inputSize, hiddenSize, 3, bias, rng) { }

    /// <summary>x (B, I), h (B, H) or null for zeros → h' (B, H).</summary>
    public Tensor Forward(Tensor x, Tensor? h = null)
    {
        h ??= Tensor.Zeros(x.Shape[0], HiddenSize);
        return RnnF.GruPointwise(F.Linear(x, WeightIh, BiasIh), F.Linear(h, WeightHh, BiasHh), h);
    }
}

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

/// <summary>Multi-layer Elman RNN, as <c>nn.RNN(batch_first=True)</c>.</summary>
public sealed class Rnn : RecurrentBase
{
    public RnnNonlinearity Nonlinearity { get; }

    public Rnn(int inputSize, int hiddenSize, int numLayers = 1, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh, bool bias = true,
               float dropout = 0f, bool bidirectional = false, Rng? rng = null)
        : base(nonlinearity == RnnNonlinearity.Relu ? CellKind.RnnRelu : CellKind.RnnTanh, inputSize, hiddenSize, numLayers, bias, dropout, bidirectional, rng)
        => Nonlinearity = nonlinearity;

    /// <summary>x (B, T, I), h0 (L·D, B, H) → output (B, T, D·H), h_n (L·D, B, H). See <see cref="RecurrentBase"/>.</summary>
    public (Tensor Output, Tensor HN) Forward(Tensor x, Tensor? h0 = null, int[]? lengths = null)
    {
        var (o, h, _) = ForwardCore(x, h0, null, lengths);
        return (o, h);
    }
}

/// <summary>Multi-layer LSTM, as <c>nn.LSTM(batch_first=True)</c>.</summary>
public sealed class Lstm : RecurrentBase
{
    public Lstm(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, float dropout = 0f, bool bidirectional = false, Rng? rng = null)
        : base(CellKind.Lstm, inputSize, hiddenSize, numLayers, bias, dropout, bidirectional, rng) { }

    /// <summary>x (B, T, I), state (h_0, c_0) each (L·D, B, H) → output (B, T, D·H), (h_n, c_n). See <see cref="RecurrentBase"/>.</summary>
    public (Tensor Output, LstmState State) Forward(Tensor x, LstmState? state = null, int[]? lengths = null)
    {
        var (o, h, c) = ForwardCore(x, state?.H, state?.C, lengths);
        return (o, new LstmState(h, c!));
    }
}

/// <summary>Multi-layer GRU, as <c>nn.GRU(batch_first=True)</c>.</summary>
public sealed class Gru : RecurrentBase
{
    public Gru(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, float dropout = 0f, bool bidirectional = false, Rng? rng = null)
        : base(CellKind.Gru, inputSize, hiddenSize, numLayers, bias, dropout, bidirectional, rng) { }

    /// <summary>x (B, T, I), h0 (L·D, B, H) → output (B, T, D·H), h_n (L·D, B, H). See <see cref="RecurrentBase"/>.</summary>
    public (Tensor Output, Tensor HN) Forward(Tensor x, Tensor? h0 = null, int[]? lengths = null)
    {
        var (o, h, _) = ForwardCore(x, h0, null, lengths);
        return (o, h);
    }
}
