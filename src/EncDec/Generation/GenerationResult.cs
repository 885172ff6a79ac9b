namespace EncDec.Generation;

/// <summary>The hypotheses for one source, best (highest normalized score) first.</summary>
public sealed record GenerationResult(int SourceIndex, IReadOnlyList<Hypothesis> Hypotheses)
{
    /// <summary>The best hypothesis (throws when none finished, which only happens when constraints cannot be met).</summary>
    public Hypothesis Best => Hypotheses.Count > 0 ? Hypotheses[0] : throw new InvalidOperationException("no hypothesis finished");
}
