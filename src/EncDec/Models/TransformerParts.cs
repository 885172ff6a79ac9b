using EncDec.Autograd;
using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

/// <summary>Token embedding scaled by √d plus positional encoding, then dropout (the Transformer paper's input).</summary>
public sealed class TransformerEmbedding : TokenEmbeddingModule
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
    public override Tensor Forward(IndexTensor ids, int positionOffset = 0)
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

    /// <summary>
    /// One step of rows that sit at different positions (a decoder-only model's prompts of different lengths):
    /// ids (B, 1) with each row's position → (B, 1, d), equal to row i of <see cref="Forward"/> with offset positions[i].
    /// </summary>
    public Tensor ForwardAt(IndexTensor ids, int[] positions)
    {
        int b = ids.Shape[0], d = Tokens.EmbeddingDim;
        if (ids.Rank != 2 || ids.Shape[1] != 1 || positions.Length != b)
            throw new ArgumentException($"expected ids (B, 1) and B positions, got {ShapeUtil.Format(ids.Shape)} and {positions.Length}");
        var x = Tokens.Forward(ids).MulScalar(_scale);                  // (B, 1, d)
        Tensor? pe = Positions switch
        {
            SinusoidalPositionalEncoding s => SinusoidalRows(s, positions),
            LearnedPositionalEmbedding l => LearnedRows(l, positions),
            _ => null,
        };
        return Dropout.Forward(pe is null ? x : x + pe.Reshape(b, 1, d));   // (B, 1, d) + (B, d) → (B, 1, d)
    }

    private static Tensor SinusoidalRows(SinusoidalPositionalEncoding s, int[] positions)
    {
        var rows = Tensor.Empty(positions.Length, s.DModel);             // (B, d)
        for (int i = 0; i < positions.Length; i++) s.Table(1, positions[i]).Span.CopyTo(rows.Span.Slice(i * s.DModel, s.DModel));
        return rows;
    }

    private static Tensor LearnedRows(LearnedPositionalEmbedding l, int[] positions)
    {
        int last = positions.Max();
        if (last >= l.MaxLength)
            throw new UserInputException($"sequence needs positions up to {last + 1} but the learned positional embedding has only {l.MaxLength} (max_length); shorten the input or train with a larger maximum length");
        return F.IndexSelect(l.Weight, 0, new IndexTensor(positions, positions.Length));   // (B, d)
    }
}

/// <summary>Transformer encoder stack as an <see cref="IEncoder"/>: padding positions are masked as keys.</summary>
public sealed class TransformerEncoderPart : EncoderModule
{
    public TransformerEncoder Stack { get; }

    public TransformerEncoderPart(TransformerEncoder stack) => Stack = stack;

    public override EncoderOutput Forward(Tensor embedded, int[] lengths)
    {
        int s = embedded.Shape[1];
        var pad = EncoderOutput.MaskFromLengths(lengths, s);              // (B, S)
        var memory = Stack.Forward(embedded, pad);                        // (B, S, d)
        return new EncoderOutput(memory, pad, lengths);
    }
}

/// <summary>
/// Cached state of a Transformer decoder: per-layer self-attention keys/values and cross-attention keys/values.
/// Selecting rows reorders the self-attention caches; the memory caches are gathered only when the rows stop
/// showing the same source rows as before (beam search reorders hypotheses of one source among themselves, and
/// those share identical memory rows), so a beam step copies no cross-attention keys/values.
/// </summary>
public sealed class TransformerDecoderState : IDecoderState
{
    public IReadOnlyList<AttentionCache>? SelfCaches { get; }
    public IReadOnlyList<AttentionCache> MemoryCaches { get; }
    /// <summary>Each layer's self-attention projections packed for this decoding run (null: unpacked).</summary>
    public IReadOnlyList<PackedQkvProjection?>? PackedSelf { get; }
    private readonly IReadOnlyList<AttentionCache> _baseMemory;   // the caches of InitialState
    private readonly int[] _memoryRows;                            // row i of MemoryCaches equals row _memoryRows[i] of _baseMemory

    public TransformerDecoderState(IReadOnlyList<AttentionCache>? self, IReadOnlyList<AttentionCache> memory, IReadOnlyList<PackedQkvProjection?>? packedSelf = null)
        : this(self, memory, memory, Enumerable.Range(0, memory.Count > 0 ? memory[0].BatchSize : 0).ToArray(), packedSelf) { }

    private TransformerDecoderState(IReadOnlyList<AttentionCache>? self, IReadOnlyList<AttentionCache> memory,
                                    IReadOnlyList<AttentionCache> baseMemory, int[] memoryRows, IReadOnlyList<PackedQkvProjection?>? packedSelf)
    {
        SelfCaches = self; MemoryCaches = memory; _baseMemory = baseMemory; _memoryRows = memoryRows; PackedSelf = packedSelf;
    }

    /// <summary>The same memory with new self-attention caches (after a step).</summary>
    internal TransformerDecoderState WithSelf(IReadOnlyList<AttentionCache> self) => new(self, MemoryCaches, _baseMemory, _memoryRows, PackedSelf);

    public IDecoderState Select(int[] rows)
    {
        var idx = new IndexTensor(rows, rows.Length);
        var self = SelfCaches?.Select(c => c.Reorder(idx)).ToArray();
        if (_baseMemory.Count == 0) return new TransformerDecoderState(self, MemoryCaches, _baseMemory, _memoryRows, PackedSelf);
        var map = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++) map[i] = _memoryRows[rows[i]];
        var memory = map.AsSpan().SequenceEqual(_memoryRows) ? MemoryCaches
            : _baseMemory.Select(c => c.Reorder(new IndexTensor(map, map.Length))).ToArray();
        return new TransformerDecoderState(self, memory, _baseMemory, map, PackedSelf);
    }

    public IEnumerable<Tensor>? Tensors
    {
        get
        {
            foreach (var c in (SelfCaches ?? Array.Empty<AttentionCache>()).Concat(MemoryCaches).Concat(_baseMemory))
            {
                foreach (var t in c.Buffers) yield return t;
            }
        }
    }
}

/// <summary>
/// Transformer decoder stack as an <see cref="IDecoder"/>: causal self-attention over the target and attention
/// over the memory; incremental steps reuse cached keys/values so each step costs O(t). With
/// <see cref="NeedAttention"/>, outputs carry the last layer's cross-attention averaged over heads.
/// </summary>
public sealed class TransformerDecoderPart : DecoderModule, IOptionalAttention
{
    public TransformerDecoder Stack { get; }

    /// <summary>Return cross-attention (B, T, S) from <see cref="Forward"/> and (B, 1, S) from <see cref="Step"/>; off by default (training does not pay for it).</summary>
    public bool NeedAttention { get; set; }

    public TransformerDecoderPart(TransformerDecoder stack) => Stack = stack;

    public override DecoderOutput Forward(Tensor embedded, EncoderOutput encoder)
    {
        if (NeedAttention && Stack.Layers.Count > 0)
        {
            var (y, w) = Stack.ForwardWithCrossAttention(embedded, encoder.Memory, tgtMask: null, tgtKeyPaddingMask: null,
                                                         memoryKeyPaddingMask: encoder.PaddingMask, tgtIsCausal: true);  // (B, T, d), (B, T, S)
            return new DecoderOutput(y, w);
        }
        var h = Stack.Forward(embedded, encoder.Memory, tgtMask: null, tgtKeyPaddingMask: null,
                              memoryKeyPaddingMask: encoder.PaddingMask, tgtIsCausal: true);   // (B, T, d)
        return new DecoderOutput(h, null);
    }

    public override IDecoderState InitialState(EncoderOutput encoder)
    {
        // the memory keys/values and packed projections live as long as the decoding: the caller's scope returns them to the
        // pool when it ends (a server decoding batch after batch then leaves no large arrays to the GC); without a scope the GC reclaims them
        return new TransformerDecoderState(null, Stack.PrecomputeMemory(encoder.Memory), GradMode.IsEnabled ? null : Stack.PackSelfAttention());
    }

    public override (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state)
        => Step(embeddedStep, encoder, state, NeedAttention);

    public override (DecoderOutput Output, IDecoderState Next) Step(Tensor embeddedStep, EncoderOutput encoder, IDecoderState state, bool withAttention)
    {
        var st = (TransformerDecoderState)state;
        var (y, self, w) = Stack.ForwardIncremental(embeddedStep, st.MemoryCaches, st.SelfCaches, encoder.PaddingMask, withAttention, st.PackedSelf); // (B, 1, d), (B, 1, S)
        return (new DecoderOutput(y, w), st.WithSelf(self));
    }
}
