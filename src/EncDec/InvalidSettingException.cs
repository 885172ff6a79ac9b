namespace EncDec;

/// <summary>
/// A setting of an options record that no run can use (a temperature of 0, a nucleus mass above 1), reported by the
/// record's <c>Validate()</c>. <see cref="Setting"/> is the property's name, so that a front end can name its own
/// spelling of it (the CLI says <c>--top-p</c> where the record says <c>TopP</c>); the message reads
/// "<c>TopP: must be in (0, 1], got 1.5</c>".
/// </summary>
public sealed class InvalidSettingException : UserInputException
{
    /// <summary>The property's name, e.g. <c>TopP</c>.</summary>
    public string Setting { get; }
    /// <summary>What is wrong with it, e.g. <c>must be in (0, 1], got 1.5</c>.</summary>
    public string Problem { get; }

    public InvalidSettingException(string setting, string problem) : base($"{setting}: {problem}")
    {
        Setting = setting;
        Problem = problem;
    }
}
