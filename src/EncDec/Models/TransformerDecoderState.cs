using EncDec.Nn;
using EncDec.Tensors;

namespace EncDec.Models;

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
    public IReadOnlyList<PackedQkvProjection?>? PackedSelf => Packed?.Select(p => p?.SelfQkv).ToArray();
    /// <summary>Each layer's weights packed for this decoding run (<see cref="TransformerDecoder.PackForDecoding"/>; null: unpacked).</summary>
    public IReadOnlyList<PackedDecoderLayer?>? Packed { get; }
    private readonly IReadOnlyList<AttentionCache> _baseMemory;   // the caches of InitialState
    private readonly int[] _memoryRows;                            // row i of MemoryCaches equals row _memoryRows[i] of _baseMemory

    public TransformerDecoderState(IReadOnlyList<AttentionCache>? self, IReadOnlyList<AttentionCache> memory, IReadOnlyList<PackedQkvProjection?>? packedSelf = null)
        : this(self, memory, packedSelf?.Select(PackedDecoderLayer.OfSelf).ToArray()) { }

    /// <summary>A state whose steps run each layer's packed weights (<paramref name="packed"/>, null: unpacked).</summary>
    public TransformerDecoderState(IReadOnlyList<AttentionCache>? self, IReadOnlyList<AttentionCache> memory, IReadOnlyList<PackedDecoderLayer?>? packed)
        : this(self, memory, memory, Enumerable.Range(0, memory.Count > 0 ? memory[0].BatchSize : 0).ToArray(), packed) { }

    private TransformerDecoderState(IReadOnlyList<AttentionCache>? self, IReadOnlyList<AttentionCache> memory,
                                    IReadOnlyList<AttentionCache> baseMemory, int[] memoryRows, IReadOnlyList<PackedDecoderLayer?>? packed)
    {
        SelfCaches = self; MemoryCaches = memory; _baseMemory = baseMemory; _memoryRows = memoryRows; Packed = packed;
    }

    /// <summary>The same memory with new self-attention caches (after a step).</summary>
    internal TransformerDecoderState WithSelf(IReadOnlyList<AttentionCache> self) => new(self, MemoryCaches, _baseMemory, _memoryRows, Packed);

    public IDecoderState Select(int[] rows)
    {
        var idx = new IndexTensor(rows, rows.Length);
        var self = SelfCaches?.Select(c => c.Reorder(idx)).ToArray();
        if (_baseMemory.Count == 0) return new TransformerDecoderState(self, MemoryCaches, _baseMemory, _memoryRows, Packed);
        var map = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++) map[i] = _memoryRows[rows[i]];
        var memory = map.AsSpan().SequenceEqual(_memoryRows) ? MemoryCaches
            : _baseMemory.Select(c => c.Reorder(new IndexTensor(map, map.Length))).ToArray();
        return new TransformerDecoderState(self, memory, _baseMemory, map, Packed);
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
