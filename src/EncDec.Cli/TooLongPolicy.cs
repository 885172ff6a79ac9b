namespace EncDec.Cli;

/// <summary>What <c>translate --too-long</c> does with an input line longer than the model's positions.</summary>
internal enum TooLongPolicy
{
    /// <summary>Cut it to the model's length and count it in one warning.</summary>
    Truncate,
    /// <summary>Refuse the input with an error naming the line.</summary>
    Reject,
}
