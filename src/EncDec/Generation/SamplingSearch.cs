using EncDec.Tensors;

namespace EncDec.Generation;

/// <summary>
/// Ancestral sampling: <see cref="GenerationOptions.NBest"/> independent draws per source from a seeded <see cref="Rng"/>,
/// each token drawn from the processed log-probs warped by top-k, top-p, typical and min-p (in that order); the reported
/// log-probs are the unwarped ones. Results are ordered by normalized score.
/// </summary>
internal sealed class SamplingSearch(GenerationOptions options, Action<StreamEvent>? onToken) : SingleTokenSearch(options, options.NBest, onToken)
{
    private readonly Rng _rng = new(options.Seed);

    protected override int Pick(DecodeStep step, int row)
    {
        var warped = step.Scratch;
        step.LogProbs(row).CopyTo(warped);
        if (Options.TopK > 0) LogitsWarpers.TopK(warped, Options.TopK);
        if (Options.TopP < 1f) LogitsWarpers.TopP(warped, Options.TopP);
        if (Options.TypicalP < 1f) LogitsWarpers.Typical(warped, Options.TypicalP);
        if (Options.MinP > 0f) LogitsWarpers.MinP(warped, Options.MinP);
        return SequenceGenerator.SampleIndex(warped, _rng);
    }

    protected override IReadOnlyList<Hypothesis> Order(List<Hypothesis> hypotheses) => hypotheses.OrderByDescending(h => h.NormalizedScore).ToList();
}
