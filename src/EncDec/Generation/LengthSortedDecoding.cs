using EncDec.Models;
using EncDec.Tensors;

namespace EncDec.Generation;

/// <summary>
/// The library's one way to decode many sources: sorted by length (similar lengths pad little), in chunks of at most
/// <c>chunkSize</c> rows, each chunk inside its own <see cref="TensorScope"/> (its encoder output and caches go back to the
/// pool before the next; the attention caches, kept outside every scope, are collected between chunks once they have grown the
/// heap by 32 MiB, so chunks of them never pile up: <see cref="TensorPool.CollectPhaseGarbage"/>) and without gradients. Results come back in input order and every result, processor call and
/// stream event carries the caller's index of its source. <see cref="Translator"/> (so <c>translate</c> and the server) and
/// validation decode through it. An empty source of an encoder-decoder is not decoded (there is nothing to translate, and
/// training never sees one: blank pairs are skipped): its result is one empty hypothesis with score 0. A language model's
/// empty source is an empty prompt and is decoded.
/// </summary>
public static class LengthSortedDecoding
{
    /// <summary>
    /// One result per source of <paramref name="sources"/>, in their order. <paramref name="sourceIds"/> are the caller's
    /// indices of the sources (default 0, 1, …); <paramref name="progress"/> receives the number of sources done so far
    /// after each chunk; <paramref name="onToken"/> every generated token (greedy and sampling), with the caller's index.
    /// </summary>
    public static GenerationResult[] Generate(ISeq2SeqModel model, IReadOnlyList<int[]> sources, GenerationOptions options, int chunkSize,
                                              IReadOnlyList<int>? sourceIds = null, Action<int>? progress = null,
                                              Action<StreamEvent>? onToken = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "must be at least 1");
        if (sourceIds is not null && sourceIds.Count != sources.Count) throw new ArgumentException($"{sourceIds.Count} source ids for {sources.Count} sources");
        var results = new GenerationResult[sources.Count];
        bool emptyOk = model is ILanguageModel;   // a language model's prompt may be empty (it was in training)
        int empty = 0;
        for (int i = 0; i < sources.Count; i++)
            if (sources[i].Length == 0 && !emptyOk) { results[i] = EmptySourceResult(sourceIds is null ? i : sourceIds[i]); empty++; }
        if (empty > 0) progress?.Invoke(empty);
        var order = Enumerable.Range(0, sources.Count).Where(i => results[i] is null)
                              .OrderBy(i => sources[i].Length).ToArray();   // stable: equal lengths keep their order
        for (int start = 0; start < order.Length; start += chunkSize)
        {
            var chunk = order[start..(start + Math.Min(chunkSize, order.Length - start))];
            IReadOnlyList<GenerationResult> decoded;
            long heap = GC.GetTotalMemory(false);
            using (GradMode.NoGrad())
            using (TensorScope.Begin())
                decoded = SequenceGenerator.Generate(model, chunk.Select(i => sources[i]).ToList(), options, onToken,
                                                     sourceIds: chunk.Select(i => sourceIds is null ? i : sourceIds[i]).ToArray());
            for (int j = 0; j < chunk.Length; j++) results[chunk[j]] = decoded[j];
            TensorPool.CollectPhaseGarbage(heap);
            progress?.Invoke(empty + start + chunk.Length);
        }
        return results;
    }

    /// <summary>The result of an empty encoder-decoder source: one empty hypothesis, score 0, nothing scored or attended.</summary>
    public static GenerationResult EmptySourceResult(int sourceIndex)
        => new(sourceIndex, new[] { new Hypothesis(Array.Empty<int>(), 0f, 0f, null, null) });
}
