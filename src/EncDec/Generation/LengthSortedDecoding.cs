using EncDec.Autograd;
using EncDec.Models;
using EncDec.Tensors;

namespace EncDec.Generation;

/// <summary>
/// The library's one way to decode many sources: sorted by length (similar lengths pad little), in chunks of at most
/// <c>chunkSize</c> rows, each chunk inside its own <see cref="TensorScope"/> (its encoder output and caches go back to the
/// pool before the next; the attention caches, kept outside every scope, are collected between chunks once they have grown the
/// heap by 32 MiB, so chunks of them never pile up: <see cref="TensorPool.CollectPhaseGarbage"/>) and without gradients. Results come back in input order and every result, processor call and
/// stream event carries the caller's index of its source. <see cref="Translator"/> and validation decode through it.
/// </summary>
public static class LengthSortedDecoding
{
    /// <summary>
    /// One result per source of <paramref name="sources"/>, in their order. <paramref name="sourceIds"/> are the caller's
    /// indices of the sources (default 0, 1, …); <paramref name="progress"/> receives the number of sources done so far
    /// after each chunk.
    /// </summary>
    public static GenerationResult[] Generate(ISeq2SeqModel model, IReadOnlyList<int[]> sources, GenerationOptions options, int chunkSize,
                                              IReadOnlyList<int>? sourceIds = null, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "must be at least 1");
        if (sourceIds is not null && sourceIds.Count != sources.Count) throw new ArgumentException($"{sourceIds.Count} source ids for {sources.Count} sources");
        var results = new GenerationResult[sources.Count];
        var order = Enumerable.Range(0, sources.Count).OrderBy(i => sources[i].Length).ToArray();   // stable: equal lengths keep their order
        for (int start = 0; start < order.Length; start += chunkSize)
        {
            var chunk = order[start..Math.Min(order.Length, start + chunkSize)];
            IReadOnlyList<GenerationResult> decoded;
            long heap = GC.GetTotalMemory(false);
            using (GradMode.NoGrad())
            using (TensorScope.Begin())
                decoded = SequenceGenerator.Generate(model, chunk.Select(i => sources[i]).ToList(), options,
                                                     sourceIds: chunk.Select(i => sourceIds is null ? i : sourceIds[i]).ToArray());
            for (int j = 0; j < chunk.Length; j++) results[chunk[j]] = decoded[j];
            TensorPool.CollectPhaseGarbage(heap);
            progress?.Invoke(start + chunk.Length);
        }
        return results;
    }
}
