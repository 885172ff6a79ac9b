namespace EncDec.Metrics;

/// <summary>Options of <see cref="ChrF"/>; the defaults are sacreBLEU 2.x's chrF2. Set <see cref="WordOrder"/> = 2 for chrF++.</summary>
public sealed record ChrFOptions
{
    /// <summary>Character n-gram order (default 6).</summary>
    public int CharOrder { get; init; } = 6;
    /// <summary>Word n-gram order (default 0; 2 gives chrF++).</summary>
    public int WordOrder { get; init; }
    /// <summary>Recall weight β (default 2).</summary>
    public int Beta { get; init; } = 2;
    /// <summary>Lowercase hypotheses and references first.</summary>
    public bool Lowercase { get; init; }
    /// <summary>Keep whitespace inside character n-grams (default: removed).</summary>
    public bool Whitespace { get; init; }
    /// <summary>chrF++.py-style epsilon smoothing instead of sacreBLEU's default effective-order averaging.</summary>
    public bool EpsSmoothing { get; init; }

    /// <summary>chrF++ (character order 6, word order 2).</summary>
    public static ChrFOptions ChrFPlusPlus { get; } = new() { WordOrder = 2 };
}
