namespace EncDec.Metrics;

/// <summary>Options of <see cref="Bleu"/>; the defaults are sacreBLEU 2.x's corpus BLEU defaults.</summary>
public sealed record BleuOptions
{
    /// <summary>Tokenizer applied after optional lowercasing (default 13a).</summary>
    public BleuTokenize Tokenize { get; init; } = BleuTokenize.V13a;
    /// <summary>Lowercase hypotheses and references first (signature <c>case:lc</c>).</summary>
    public bool Lowercase { get; init; }
    /// <summary>Smoothing method (default <see cref="BleuSmooth.Exp"/>).</summary>
    public BleuSmooth Smooth { get; init; } = BleuSmooth.Exp;
    /// <summary>Value for <see cref="BleuSmooth.Floor"/> (default 0.1) and <see cref="BleuSmooth.AddK"/> (default 1); null = default.</summary>
    public double? SmoothValue { get; init; }
    /// <summary>Highest n-gram order (default 4).</summary>
    public int MaxOrder { get; init; } = 4;
    /// <summary>Average only over orders up to the last one with a non-zero total (for sentence-level BLEU).</summary>
    public bool EffectiveOrder { get; init; }

    /// <summary>sacreBLEU's <c>sentence_bleu</c> defaults: as the corpus defaults but with effective order.</summary>
    public static BleuOptions SentenceDefaults { get; } = new() { EffectiveOrder = true };
}
