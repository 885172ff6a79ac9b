using EncDec.Models;
using EncDec.Tensors;

namespace EncDec.Generation;

/// <summary>
/// The one step loop every strategy shares: encode the sources once, then per step feed each live row's last token,
/// score the logits (<see cref="StepScorer"/>), let the strategy choose the continuations, and gather the decoder state
/// (and, when rows moved to other sources, the encoder output) for the surviving rows. The model is only read: whether it
/// returns attention is an argument of each step, so decodes on one model may run concurrently.
/// </summary>
internal sealed class DecodeLoop
{
    private readonly ISeq2SeqModel _model;
    private readonly GenerationOptions _options;
    private readonly IReadOnlyList<int> _sourceIds;
    private readonly int[] _sourceLengths, _maxLengths;
    private readonly int _stride;               // max output length + 1, the row stride of token buffers
    private readonly EncoderOutput _encoded;

    public DecodeLoop(ISeq2SeqModel model, IReadOnlyList<int[]> sources, GenerationOptions options, IReadOnlyList<int> sourceIds)
    {
        _model = model; _options = options; _sourceIds = sourceIds;
        _sourceLengths = sources.Select(s => s?.Length ?? throw new ArgumentException("null source")).ToArray();
        _maxLengths = _sourceLengths.Select(options.EffectiveMaxLength).ToArray();
        _stride = _maxLengths.Max() + 1;
        _encoded = model.Encode(Padding.PadRows(sources, options.PadId, out _), (int[])_sourceLengths.Clone());   // ids (B, S)
    }

    public IReadOnlyList<GenerationResult> Run(ISearchStrategy strategy)
    {
        using var scorer = new StepScorer(_options, _model.TargetVocabSize);
        int batch = _sourceLengths.Length;
        var rows = strategy.Start(batch, _stride);
        var encoder = rows.SourcesAreIdentity(batch) ? _encoded : _encoded.Select(rows.Source);
        var state = _model.InitialState(encoder);
        var next = new List<Continuation>();
        for (int step = 0; rows.Count > 0; step++)
        {
            using var scope = StepScope(state);
            var result = _model.DecodeStep(rows.LastTokens(step, _options.BosId), step, encoder, state, _options.ReturnAttention);
            scorer.Score(result.Logits, rows, step, _sourceIds, _maxLengths, strategy);
            var decodeStep = new DecodeStep(step, rows, scorer, AttentionRows(result, rows.Count), _encoded.SourceLength,
                                            _sourceLengths, _maxLengths, _sourceIds);
            next.Clear();
            strategy.Choose(decodeStep, next);
            if (next.Count == 0) break;

            var parents = new int[next.Count];
            for (int i = 0; i < parents.Length; i++) parents[i] = next[i].Parent;
            var extended = rows.Extend(next, step, decodeStep.AttentionOf);
            state = Hold(scope, IsIdentity(parents, rows.Count) ? result.Next : result.Next.Select(parents));
            if (!SameSources(rows, extended)) encoder = Hold(scope, encoder.Select(parents));   // rows of one source share its encoder output
            rows = extended;
        }
        return strategy.Results(_sourceIds);
    }

    private float[]? AttentionRows(StepResult result, int rows)
    {
        if (!_options.ReturnAttention || result.Attention is null) return null;
        var attention = result.Attention;
        if (attention.Numel != rows * _encoded.SourceLength)
            throw new InvalidOperationException($"model returned attention {attention}, expected ({rows}, {_encoded.SourceLength})");
        return attention.ToArray();
    }

    private static bool SameSources(LiveRows before, LiveRows after)
    {
        if (before.Count != after.Count) return false;
        for (int i = 0; i < after.Count; i++) if (before.Source[i] != after.Source[i]) return false;
        return true;
    }

    private static bool IsIdentity(int[] parents, int rows)
    {
        if (parents.Length != rows) return false;
        for (int i = 0; i < parents.Length; i++) if (parents[i] != i) return false;
        return true;
    }

    /// <summary>
    /// A scope for one step's temporaries when the model's state lists its tensors (see <see cref="IDecoderState.Tensors"/>),
    /// else null (nothing is freed until the caller's own scope ends).
    /// </summary>
    private static TensorScope? StepScope(IDecoderState state) => state.Tensors is null ? null : TensorScope.Begin();

    /// <summary>Keeps the tensors of the state that survives the step out of the step's scope.</summary>
    private static IDecoderState Hold(TensorScope? scope, IDecoderState state)
    {
        if (scope is null) return state;
        var held = state.Tensors ?? throw new InvalidOperationException($"{state.GetType().Name} stopped listing its tensors");
        foreach (var t in held) scope.Keep(t);
        return state;
    }

    private static EncoderOutput Hold(TensorScope? scope, EncoderOutput encoder)
    {
        if (scope is null) return encoder;
        scope.Keep(encoder.Memory); scope.Keep(encoder.PaddingMask);
        foreach (var t in encoder.Extras) scope.Keep(t);
        return encoder;
    }
}
