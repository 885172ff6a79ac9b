namespace EncDec.Data;

/// <summary>Built-in toy seq2seq tasks.</summary>
public enum SyntheticTask
{
    /// <summary>Output = input symbols.</summary>
    Copy,
    /// <summary>Output = input symbols reversed.</summary>
    Reverse,
    /// <summary>Output = input symbols sorted (ordinal).</summary>
    Sort,
    /// <summary>A date in one of many human formats → ISO <c>YYYY-MM-DD</c>.</summary>
    Dates,
    /// <summary>An integer expression with + − × and parentheses → its value.</summary>
    Arithmetic,
}
