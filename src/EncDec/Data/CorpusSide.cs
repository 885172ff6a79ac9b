namespace EncDec.Data;

/// <summary>Which side(s) of a corpus to use, e.g. for tokenizer training (joint vocabulary = <see cref="Both"/>).</summary>
public enum CorpusSide
{
    /// <summary>Source sentences.</summary>
    Source,
    /// <summary>Target sentences.</summary>
    Target,
    /// <summary>Source then target sentence of every pair.</summary>
    Both,
}
