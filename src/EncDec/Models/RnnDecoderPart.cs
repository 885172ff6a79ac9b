using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>
/// RNN decoder with stacked cells. Each step: input = [embedding; previous attentional vector] (input feeding) or
/// [embedding; fixed context] without attention; the top hidden state h_t queries the attention (Bahdanau additive or
/// Luong dot/general/concat scores) over the encoder memory for a context c_t, and the output is the attentional
/// vector h̃_t = tanh(W_c [c_t; h_t]) (Luong et al., 2015). The initial state is a tanh bridge of the encoder's final state.
/// </summary>
public sealed class RnnDecoderPart : DecoderModule
{
    public ModuleList<Module> Cells { get; }
    public Module? Attention { get; }
    public Linear Bridge { get; }
    public Linear? BridgeCell { get; }
    public Linear OutProj { get; }
    public Dropout Dropout { get; }

    private readonly RnnCellKind _cell;
    private readonly AttentionKind _attn;
    private readonly ContextKind _context;
    private readonly bool _inputFeeding;
    private readonly int _hidden, _memoryDim, _encLayers, _encDirections;

    public RnnDecoderPart(RnnCellKind cell, int embeddingDim, int hiddenSize, int layers, int memoryDim, int encoderLayers, int encoderDirections,
                          AttentionKind attention, ContextKind context, bool inputFeeding, float dropout, Rng? rng = null)
    {
        _cell = cell; _attn = attention; _context = context; _hidden = hiddenSize; _memoryDim = memoryDim;
        _inputFeeding = inputFeeding && attention != AttentionKind.None;
        _encLayers = encoderLayers; _encDirections = encoderDirections;
        int extra = attention == AttentionKind.None ? memoryDim : (_inputFeeding ? hiddenSize : 0);
        Cells = new ModuleList<Module>(Enumerable.Range(0, layers).Select(i =>
        {
            int inSize = i == 0 ? embeddingDim + extra : hiddenSize;
            return cell switch
            {
                RnnCellKind.Lstm => (Module)new LstmCell(inSize, hiddenSize, true, rng),
                RnnCellKind.Gru => new GruCell(inSize, hiddenSize, true, rng),
                _ => new RnnCell(inSize, hiddenSize, true, RnnNonlinearity.Tanh, rng),
            };
        }));
        Attention = attention switch
        {
            AttentionKind.None => null,
            AttentionKind.Bahdanau => new BahdanauAttention(hiddenSize, memoryDim, hiddenSize, rng),
            AttentionKind.LuongDot => new LuongAttention(LuongScore.Dot, hiddenSize, memoryDim, 0, rng),
            AttentionKind.LuongGeneral => new LuongAttention(LuongScore.General, hiddenSize, memoryDim, 0, rng),
            _ => new LuongAttention(LuongScore.Concat, hiddenSize, memoryDim, hiddenSize, rng),
        };
        int finalDim = memoryDim; // an encoder layer's final state over its directions is D·H_enc = memoryDim
        Bridge = new Linear(finalDim, hiddenSize, true, rng);
        BridgeCell = cell == RnnCellKind.Lstm ? new Linear(finalDim, hiddenSize, true, rng) : null;
        OutProj = new Linear(memoryDim + hiddenSize, hiddenSize, false, rng);
        Dropout = new Dropout(dropout, rng);
    }

    /// <summary>Encoder final states (L·D, B, H) of layer <paramref name="layer"/> → (B, D·H).</summary>
    private Tensor FinalOfLayer(Tensor states, int layer)
    {
        var parts = new List<Tensor>();
        for (int d = 0; d < _encDirections; d++) parts.Add(states.Select(0, layer * _encDirections + d));   // (B, H)
        return parts.Count == 1 ? parts[0] : F.Concat(parts, 1);                                           // (B, D·H)
    }

    public override IDecoderState InitialState(EncoderOutput encoder)
    {
        int layers = Cells.Count;
        var h = new Tensor[layers];
        Tensor[]? c = _cell == RnnCellKind.Lstm ? new Tensor[layers] : null;
        for (int i = 0; i < layers; i++)
        {
            int src = Math.Min(i, _encLayers - 1);
            h[i] = Bridge.Forward(FinalOfLayer(encoder.Extras[0], src)).Tanh();                           // (B, H)
            if (c is not null) c[i] = BridgeCell!.Forward(FinalOfLayer(encoder.Extras[1], src)).Tanh();
        }
        Tensor? feed = _inputFeeding ? Tensor.Zeros(encoder.BatchSize, _hidden) : null;
        Tensor? keys = Attention is BahdanauAttention ba ? ba.ProjectKeys(encoder.Memory) : null;        // (B, S, A)
        Tensor? fixedCtx = null;
        if (Attention is null)
        {
            fixedCtx = _context == ContextKind.MeanState
                ? MeanOverLengths(encoder)
                : FinalOfLayer(encoder.Extras[0], _encLayers - 1);                                         // (B, D·H)
        }
        return new RnnDecoderState(h, c, feed, keys, fixedCtx);
    }

    private static Tensor MeanOverLengths(EncoderOutput e)
    {
        // padded outputs are zero, so the mean is the sum divided by each length
        var sum = e.Memory.Sum(1);                                                                         // (B, M)
        var inv = Tensor.FromArray(e.Lengths.Select(l => 1f / Math.Max(l, 1)).ToArray(), e.Lengths.Length, 1);
        return sum * inv;
    }

    /// <summary>One step on x (B, E) → (attentional vector (B, H), attention (B, S) or null, next state).</summary>
    private (Tensor Out, Tensor? Attn, RnnDecoderState Next) StepCore(Tensor x, EncoderOutput encoder, RnnDecoderState st)
    {
        Tensor input = Attention is null ? F.Concat(new[] { x, st.FixedContext! }, 1)
                     : _inputFeeding ? F.Concat(new[] { x, st.Feed! }, 1) : x;                             // (B, E + extra)
        var h = new Tensor[Cells.Count];
        Tensor[]? c = st.C is null ? null : new Tensor[Cells.Count];
        for (int i = 0; i < Cells.Count; i++)
        {
            switch (Cells[i])
            {
                case LstmCell lc:
                    var s = lc.Forward(input, new LstmState(st.H[i], st.C![i]));
                    h[i] = s.H; c![i] = s.C; break;
                case GruCell gc: h[i] = gc.Forward(input, st.H[i]); break;
                case RnnCell rc: h[i] = rc.Forward(input, st.H[i]); break;
            }
            input = i + 1 < Cells.Count ? Dropout.Forward(h[i]) : h[i];
        }
        var top = h[^1];                                                                                    // (B, H)
        Tensor context; Tensor? weights = null;
        switch (Attention)
        {
            case BahdanauAttention ba: (context, weights) = ba.Forward(top, encoder.Memory, encoder.PaddingMask, st.ProjectedKeys); break;
            case LuongAttention la: (context, weights) = la.Forward(top, encoder.Memory, encoder.PaddingMask); break;
            default: context = st.FixedContext!; break;
        }
        var outVec = OutProj.Forward(F.Concat(new[] { context, top }, 1)).Tanh();                         // (B, H)
        var next = new RnnDecoderState(h, c, _inputFeeding ? outVec : null, st.ProjectedKeys, st.FixedContext);
        return (Dropout.Forward(outVec), weights, next);
    }

    public override DecoderOutput Forward(Tensor embedded, EncoderOutput encoder)
    {
        int t = embedded.Shape[1];
        IDecoderState state = InitialState(encoder);
        var outs = new List<Tensor>(t); var attns = new List<Tensor>(t);
        for (int i = 0; i < t; i++)
        {
            var (o, a, next) = StepCore(embedded.Select(1, i), encoder, (RnnDecoderState)state);        // (B, H)
            outs.Add(o); if (a is not null) attns.Add(a);
            state = next;
        }
        return new DecoderOutput(F.Stack(outs, 1), attns.Count > 0 ? F.Stack(attns, 1) : null);          // (B, T, H), (B, T, S)
    }

    public override (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state)
    {
        var (o, a, next) = StepCore(embeddedStep.Select(1, 0), encoder, (RnnDecoderState)state);
        return (new DecoderOutput(o.Unsqueeze(1), a?.Unsqueeze(1)), next);                                 // (B, 1, H), (B, 1, S)
    }
}
