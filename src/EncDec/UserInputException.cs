namespace EncDec;

/// <summary>
/// An error caused by the user's input (a missing or malformed file, a bad option, a corrupt checkpoint).
/// The CLI prints <see cref="Exception.Message"/> as one line and exits non-zero, without a stack trace.
/// Messages name the file and, where there is one, the 1-based line: <c>train.de:17: invalid UTF-8</c>.
/// </summary>
public class UserInputException : Exception
{
    public string? FilePath { get; }
    public long? Line { get; }

    public UserInputException(string message) : base(message) { }

    public UserInputException(string message, Exception inner) : base(message, inner) { }

    public UserInputException(string filePath, long? line, string message)
        : base(line is { } l ? $"{filePath}:{l}: {message}" : $"{filePath}: {message}")
    {
        FilePath = filePath;
        Line = line;
    }
}
