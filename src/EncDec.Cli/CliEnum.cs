using System.Text;

namespace EncDec.Cli;

/// <summary>
/// Parses command-line / YAML enum values: the enum's member names in kebab-case (<c>InverseSqrt</c> → <c>inverse-sqrt</c>),
/// case-insensitive, with '-' or '_' between words. A bad value is one <see cref="UserInputException"/> line naming the
/// flag and the accepted values.
/// </summary>
internal static class CliEnum
{
    /// <summary>The CLI spelling of an enum member: <c>LuongDot</c> → <c>luong-dot</c>, <c>AdamW</c> → <c>adamw</c>, <c>Image2Seq</c> → <c>image2seq</c>.</summary>
    public static string Name<T>(T value) where T : struct, Enum
    {
        string s = value.ToString();
        var sb = new StringBuilder(s.Length + 4);
        for (int i = 0; i < s.Length; i++)
        {
            // a dash before an upper-case letter that starts a lower-case word (not after a digit: image2seq)
            if (i > 0 && !char.IsDigit(s[i - 1]) && char.IsUpper(s[i]) && i + 1 < s.Length && char.IsLower(s[i + 1])) sb.Append('-');
            sb.Append(char.ToLowerInvariant(s[i]));
        }
        return sb.ToString();
    }

    /// <summary>The accepted values, as "a, b or c".</summary>
    public static string Expected<T>(IEnumerable<T>? values = null) where T : struct, Enum
    {
        var names = (values ?? Enum.GetValues<T>()).Select(Name).ToList();
        return names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];
    }

    /// <summary>Parses <paramref name="text"/> as one of <paramref name="allowed"/> (default: every member).</summary>
    public static T Parse<T>(string text, string flag, string what, IReadOnlyCollection<T>? allowed = null) where T : struct, Enum
    {
        string key = text.Trim().Replace('_', '-').ToLowerInvariant();
        foreach (var v in allowed ?? Enum.GetValues<T>())
            if (Name(v) == key) return v;
        throw new UserInputException($"{flag}: unknown {what} '{text}' (expected {Expected(allowed)})");
    }
}
