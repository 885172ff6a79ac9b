using EncDec.Models;
using EncDec.Tensors;

namespace EncDec.Generation;

/// <summary>
/// Autoregressive decoding for any <see cref="ISeq2SeqModel"/>: greedy, beam search (lexically constrained with
/// dynamic beam allocation when required phrases are given) and sampling, batched over source sentences.
/// Decoding is incremental: every step feeds only the last token and the model's returned state carries
/// whatever cache it keeps. One step loop (<see cref="DecodeLoop"/>) serves every strategy (<see cref="GreedySearch"/>,
/// <see cref="SamplingSearch"/>, <see cref="BeamSearch"/>, <see cref="ConstrainedBeamSearch"/>); the scores of a hypothesis
/// are computed per step by <see cref="StepScorer"/>. A hypothesis's score is the sum of these log-probs, EOS included. Sampling additionally applies the top-k,
/// top-p, typical and min-p warpers (in that order) before drawing; reported log-probs are the unwarped ones.
/// </summary>
public static class SequenceGenerator
{
    /// <summary>One <see cref="GenerationResult"/> per source, in order, each with its hypotheses best first.</summary>
    /// <param name="onToken">Called for every token as it is produced (greedy and sampling only).</param>
    /// <param name="sourceIds">
    /// The caller's index of each source: what <see cref="ILogitsProcessor"/>s, <see cref="StreamEvent"/>s and
    /// <see cref="GenerationResult.SourceIndex"/> report (default 0, 1, …; a caller decoding a sorted chunk of its inputs
    /// passes their original indices).
    /// </param>
    /// <remarks>The model is only read (attention is requested per step), so decodes on one model may run concurrently.</remarks>
    public static IReadOnlyList<GenerationResult> Generate(ISeq2SeqModel model, IReadOnlyList<int[]> sources, GenerationOptions options,
                                                          Action<StreamEvent>? onToken = null, IReadOnlyList<int>? sourceIds = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(model.TargetVocabSize);
        if (sourceIds is not null && sourceIds.Count != sources.Count) throw new ArgumentException($"{sourceIds.Count} source ids for {sources.Count} sources");
        if (sources.Count == 0) return Array.Empty<GenerationResult>();
        using (GradMode.NoGrad())
        {
            var loop = new DecodeLoop(model, sources, options, sourceIds ?? Enumerable.Range(0, sources.Count).ToArray());
            return loop.Run(Strategy(options, onToken));
        }
    }

    /// <summary>The search strategy the options ask for.</summary>
    private static ISearchStrategy Strategy(GenerationOptions options, Action<StreamEvent>? onToken) => options.Strategy switch
    {
        DecodingStrategy.Greedy => new GreedySearch(options, onToken),
        DecodingStrategy.Sample => new SamplingSearch(options, onToken),
        DecodingStrategy.Beam when options.RequiredPhrases.Count > 0 => new ConstrainedBeamSearch(options),
        DecodingStrategy.Beam => new BeamSearch(options),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Strategy, "unknown decoding strategy"),
    };

    /// <summary>GNMT length penalty ((5 + length) / 6)^α.</summary>
    public static float LengthPenaltyFactor(int length, float alpha) => alpha == 0f ? 1f : MathF.Pow((5f + length) / 6f, alpha);

    /// <summary>Log-softmax of one row in place; a row that is entirely −∞ stays so.</summary>
    internal static void LogSoftmaxInPlace(Span<float> row, Span<float> scratch) => LogSoftmax(row, row, scratch);

    /// <summary><see cref="LogSoftmaxInPlace"/> reading <paramref name="logits"/> and writing <paramref name="row"/> (same arithmetic).</summary>
    internal static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> row, Span<float> scratch)
    {
        float max = TensorPrimitives.Max(logits);
        if (!float.IsFinite(max))
        {
            if (float.IsPositiveInfinity(max) || float.IsNaN(max)) throw new InvalidOperationException("non-finite logits");
            logits.CopyTo(row);                                          // all −∞ stays so
            return;
        }
        var tmp = scratch[..row.Length];
        TensorPrimitives.Subtract(logits, max, tmp);
        TensorPrimitives.Exp(tmp, tmp);
        float lse = max + MathF.Log(TensorPrimitives.Sum(tmp));
        TensorPrimitives.Subtract(logits, lse, row);
    }

    /// <summary>Draws an index from softmax(<paramref name="scores"/>).</summary>
    internal static int SampleIndex(ReadOnlySpan<float> scores, Rng rng)
    {
        float max = TensorPrimitives.Max(scores);
        double sum = 0;
        for (int i = 0; i < scores.Length; i++) if (!float.IsNegativeInfinity(scores[i])) sum += Math.Exp(scores[i] - (double)max);
        double u = rng.NextDouble() * sum, cum = 0;
        int lastFinite = -1;
        for (int i = 0; i < scores.Length; i++)
        {
            if (float.IsNegativeInfinity(scores[i])) continue;
            lastFinite = i;
            cum += Math.Exp(scores[i] - (double)max);
            if (u < cum) return i;
        }
        return lastFinite;
    }

}
