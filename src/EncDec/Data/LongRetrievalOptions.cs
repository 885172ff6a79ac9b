namespace EncDec.Data;

/// <summary>Sizes of <see cref="LongRetrievalTask"/> documents.</summary>
public sealed record LongRetrievalOptions
{
    /// <summary>Shortest source, query included.</summary>
    public int MinLength { get; init; } = 2000;
    /// <summary>Longest source, query included.</summary>
    public int MaxLength { get; init; } = 8000;
    /// <summary>Key–value records buried in each document (distinct keys); one is asked for.</summary>
    public int Records { get; init; } = 8;
    /// <summary>Distinct key symbols (at least <see cref="Records"/>).</summary>
    public int Keys { get; init; } = 16;
    /// <summary>Distinct value symbols.</summary>
    public int Values { get; init; } = 16;
    /// <summary>Value symbols per record (the target length).</summary>
    public int ValueLength { get; init; } = 2;
    /// <summary>The target restates the asked key before its values (<c>key value…</c>, as an answer "k: v…"), so the
    /// decoder's cross-attention has the key in hand when it looks for the record; false = the values alone.</summary>
    public bool EchoKey { get; init; }
    /// <summary>Distinct filler symbols.</summary>
    public int Fillers { get; init; } = 32;
}
