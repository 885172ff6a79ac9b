using EncDec.Tensors;

namespace EncDec.Generation;

/// <summary>
/// Turns one step's logits into the processed log-probs every strategy chooses from, row by row:
/// <list type="number">
/// <item>soft processors on the logits: repetition penalty, user <see cref="GenerationOptions.LogitsProcessors"/>, temperature;</item>
/// <item>log-softmax;</item>
/// <item>hard masks on the log-probs (no renormalisation): PAD/BOS, no-repeat-n-gram, banned sequences, min length,
/// forced prefix, the strategy's own mask (constraint feasibility), and at the maximum length everything but EOS.</item>
/// </list>
/// The log-probs buffer (rows × V, the largest array of a decode's host work) is rented from <see cref="TensorPool"/> and
/// returned by <see cref="Dispose"/>, so a server decoding batch after batch leaves no large array to the GC per batch.
/// </summary>
internal sealed class StepScorer : IDisposable
{
    private readonly List<ILogitsProcessor> _soft = new(), _hard = new();
    private readonly int _eosId;
    private readonly float[] _scratch;
    private readonly List<float[]> _scratches = new();   // one per chunk when rows are scored concurrently
    private readonly int _userProcessors;
    private float[] _logProbs = Array.Empty<float>();

    public int VocabSize { get; }

    public StepScorer(GenerationOptions options, int vocabSize)
    {
        VocabSize = vocabSize;
        _eosId = options.EosId;
        _scratch = new float[vocabSize];
        if (options.RepetitionPenalty != 1f) _soft.Add(new RepetitionPenaltyLogitsProcessor(options.RepetitionPenalty));
        _soft.AddRange(options.LogitsProcessors);
        _userProcessors = options.LogitsProcessors.Count;
        if (options.Temperature != 1f) _soft.Add(new TemperatureLogitsWarper(options.Temperature));
        _hard.Add(new SuppressTokensLogitsProcessor(new[] { options.PadId, options.BosId }.Where(t => t != options.EosId).Distinct().ToArray()));
        if (options.NoRepeatNgramSize > 0) _hard.Add(new NoRepeatNGramLogitsProcessor(options.NoRepeatNgramSize));
        if (options.BannedSequences.Count > 0) _hard.Add(new BannedSequencesLogitsProcessor(options.BannedSequences));
        if (options.MinLength > 0) _hard.Add(new MinLengthLogitsProcessor(options.MinLength, options.EosId));
        if (options.ForcedPrefix.Count > 0) _hard.Add(new ForcedPrefixLogitsProcessor(options.ForcedPrefix));
    }

    /// <summary>Gives the log-probs buffer back to the pool; the rows are not readable after.</summary>
    public void Dispose()
    {
        var buffer = _logProbs;
        _logProbs = Array.Empty<float>();
        TensorPool.Return(buffer);
    }

    /// <summary>The processed log-probs of row <paramref name="row"/> from the last <see cref="Score"/>.</summary>
    public Span<float> Row(int row) => _logProbs.AsSpan(row * VocabSize, VocabSize);

    /// <summary>A scratch row of the vocabulary's size (sampling warps a copy of a row in it).</summary>
    public Span<float> Scratch => _scratch;

    /// <summary>Copies the (rows, V) logits and processes every row (see the class summary).</summary>
    /// <param name="sourceIds">The caller's index of each source (what user processors see), by batch index.</param>
    /// <remarks>
    /// Rows are independent, so they are split over the cores when no user processor runs and the strategy's mask
    /// allows it (<see cref="ISearchStrategy.MasksRowsConcurrently"/>); each row's arithmetic is the same either way.
    /// Without soft processors the log-softmax reads the logits and writes the log-probs in one pass (no separate copy).
    /// </remarks>
    public void Score(Tensor logits, LiveRows rows, int step, IReadOnlyList<int> sourceIds, IReadOnlyList<int> maxLengths, ISearchStrategy strategy)
    {
        int count = rows.Count, v = VocabSize;
        if (logits.Rank != 2 || logits.Shape[0] != count || logits.Shape[1] != v)
            throw new InvalidOperationException($"model returned logits {logits}, expected ({count}, {v})");
        if (_logProbs.Length < count * v)
        {
            TensorPool.Return(_logProbs);
            _logProbs = Array.Empty<float>();
            _logProbs = TensorPool.Rent(count * v);
        }
        bool direct = _soft.Count == 0 && logits.IsContiguous;
        float[]? src = direct ? logits.Storage.Array : null;
        int srcOffset = direct ? logits.Offset : 0;
        if (!direct) logits.CopyTo(_logProbs.AsSpan(0, count * v));
        bool concurrent = _userProcessors == 0 && strategy.MasksRowsConcurrently;
        int chunks = concurrent ? Par.Chunks(count, 4 * v) : 1;
        while (_scratches.Count < chunks) _scratches.Add(new float[v]);
        Par.ForChunks(count, chunks, (c, start, end) =>
        {
            var scratch = chunks == 1 ? _scratch : _scratches[c];
            for (int r = start; r < end; r++)
            {
                var row = Row(r);
                var generated = rows.Generated(r, step);
                int source = rows.Source[r], callerIndex = sourceIds[source];
                if (src is not null) SequenceGenerator.LogSoftmax(src.AsSpan(srcOffset + r * v, v), row, scratch);
                else
                {
                    foreach (var p in _soft) p.Process(callerIndex, generated, row);
                    SequenceGenerator.LogSoftmaxInPlace(row, scratch);
                }
                foreach (var p in _hard) p.Process(callerIndex, generated, row);
                strategy.MaskRow(rows.Constraint[r], step, maxLengths[source], row);
                if (step >= maxLengths[source]) ForcedPrefixLogitsProcessor.KeepOnly(row, _eosId);
            }
        });
    }
}
