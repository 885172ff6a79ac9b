namespace EncDec.Data;

/// <summary>Options of the synthetic generators.</summary>
public sealed record SyntheticOptions
{
    /// <summary>Shortest symbol sequence (Copy/Reverse/Sort).</summary>
    public int MinLength { get; init; } = 3;
    /// <summary>Longest symbol sequence (Copy/Reverse/Sort).</summary>
    public int MaxLength { get; init; } = 12;
    /// <summary>Symbols the sequences are drawn from; written space-separated.</summary>
    public string Alphabet { get; init; } = "0123456789abcdefghij";
    /// <summary>Earliest generated date.</summary>
    public DateOnly MinDate { get; init; } = new(1950, 1, 1);
    /// <summary>Latest generated date (the two-digit-year style needs 1950–2049).</summary>
    public DateOnly MaxDate { get; init; } = new(2049, 12, 31);
    /// <summary>Most operands in an arithmetic expression (at least 2).</summary>
    public int MaxOperands { get; init; } = 4;
    /// <summary>Largest operand.</summary>
    public int MaxOperand { get; init; } = 99;
}
