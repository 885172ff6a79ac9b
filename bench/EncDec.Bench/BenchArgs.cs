using System.Globalization;

namespace EncDec.Bench;

/// <summary>
/// The benches' option readers: <c>--name value</c> pairs looked up in the argument list. A value that does not parse,
/// or a name given last without one, is a <see cref="UserInputException"/> naming the option (one line and exit 2 from
/// <see cref="Program"/>), never a silent fallback to the default.
/// </summary>
internal static class BenchArgs
{
    /// <summary>The value after <paramref name="name"/>, or null when the option is absent.</summary>
    public static string? String(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return null;
        if (i + 1 >= args.Length) throw new UserInputException($"{name}: needs a value");
        return args[i + 1];
    }

    public static string String(string[] args, string name, string fallback) => String(args, name) ?? fallback;

    public static int Int(string[] args, string name, int fallback)
    {
        var s = String(args, name);
        if (s is null) return fallback;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new UserInputException($"{name}: '{s}' is not a whole number");
    }

    public static double Double(string[] args, string name, double fallback)
    {
        var s = String(args, name);
        if (s is null) return fallback;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
            : throw new UserInputException($"{name}: '{s}' is not a number");
    }
}
