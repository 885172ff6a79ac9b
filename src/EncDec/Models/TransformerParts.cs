using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Token embedding scaled by √d plus positional encoding, then dropout (the Transformer paper's input).</summary>
public sealed class TransformerEmbedding : Module, ITokenEmbedding
{
    public Embedding Tokens { get; }
    public Module Positions { get; }
    public Dropout Dropout { get; }
    private readonly float _scale;

    public TransformerEmbedding(Embedding tokens, PositionalKind positional, int maxPositions, float dropout, Rng? rng = null)
    {
        Tokens = tokens;
        int d = tokens.EmbeddingDim;
        Positions = positional == PositionalKind.Sinusoidal
            ? new SinusoidalPositionalEncoding(d, Math.Min(maxPositions, 512))
            : new LearnedPositionalEmbedding(maxPositions, d, rng);
        Dropout = new Dropout(dropout, rng);
        _scale = MathF.Sqrt(d);
    }

    /// <summary>ids (B, T) → (B, T, d).</summary>
    public Tensor Forward(IndexTensor ids, int positionOffset = 0)
    {
        var x = Tokens.Forward(ids).MulScalar(_scale);                  // (B, T, d)
        x = Positions switch
        {
            SinusoidalPositionalEncoding s => s.Forward(x, positionOffset),
            LearnedPositionalEmbedding l => l.Forward(x, positionOffset),
            _ => x,
        };
        return Dropout.Forward(x);
    }
}

/// <summary>Transformer encoder stack as an <see cref="IEncoder"/>: padding positions are masked as keys.</summary>
public sealed class TransformerEncoderPart : Module, IEncoder
{
    public TransformerEncoder Stack { get; }

    public TransformerEncoderPart(TransformerEncoder stack) => Stack = stack;

    public EncoderOutput Forward(Tensor embedded, int[] lengths)
    {
        int s = embedded.Shape[1];
        var pad = EncoderOutput.MaskFromLengths(lengths, s);              // (B, S)
        var memory = Stack.Forward(embedded, pad);                        // (B, S, d)
        return new EncoderOutput(memory, pad, lengths);
    }
}

/// <summary>Cached state of a Transformer decoder: per-layer self-attention keys/values and cross-attention keys/values.</summary>
public sealed class TransformerDecoderState : IDecoderState
{
    public IReadOnlyList<AttentionCache>? SelfCaches { get; }
    public IReadOnlyList<AttentionCache> MemoryCaches { get; }

    public TransformerDecoderState(IReadOnlyList<AttentionCache>? self, IReadOnlyList<AttentionCache> memory)
    {
        SelfCaches = self; MemoryCaches = memory;
    }

    public IDecoderState Select(int[] rows)
    {
        var idx = new IndexTensor(rows, rows.Length);
        static AttentionCache Pick(AttentionCache c, IndexTensor i) => new(Autograd.F.IndexSelect(c.Key, 0, i), Autograd.F.IndexSelect(c.Value, 0, i));
        return new TransformerDecoderState(SelfCaches?.Select(c => Pick(c, idx)).ToArray(), MemoryCaches.Select(c => Pick(c, idx)).ToArray());
    }
}

/// <summary>
/// Transformer decoder stack as an <see cref="IDecoder"/>: causal self-attention over the target and attention
/// over the memory; incremental steps reuse cached keys/values so each step costs O(t).
/// </summary>
public sealed class TransformerDecoderPart : Module, IDecoder
{
    public TransformerDecoder Stack { get; }

    public TransformerDecoderPart(TransformerDecoder stack) => Stack = stack;

    public DecoderOutput Forward(Tensor embedded, EncoderOutput encoder)
    {
        var h = Stack.Forward(embedded, encoder.Memory, tgtMask: null, tgtKeyPaddingMask: null,
                              memoryKeyPaddingMask: encoder.PaddingMask, tgtIsCausal: true);   // (B, T, d)
        return new DecoderOutput(h, null);
    }

    public IDecoderState InitialState(EncoderOutput encoder)
        => new TransformerDecoderState(null, Stack.PrecomputeMemory(encoder.Memory));

    public (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state)
    {
        var st = (TransformerDecoderState)state;
        var (y, self) = Stack.ForwardIncremental(embeddedStep, st.MemoryCaches, st.SelfCaches, encoder.PaddingMask); // (B, 1, d)
        return (new DecoderOutput(y, null), new TransformerDecoderState(self, st.MemoryCaches));
    }
}
