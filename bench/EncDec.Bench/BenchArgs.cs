using System.Globalization;

namespace EncDec.Bench;

/// <summary>
/// The benches' option readers: <c>--name value</c> pairs looked up in the argument list. A value that does not parse,
/// or a name given last without one, is a <see cref="UserInputException"/> naming the option (one line and exit 2 from
/// <see cref="Program"/>), never a silent fallback to the default. <see cref="Declare"/> names a bench's options before
/// it runs: an unknown one (a typo such as <c>--sent</c>) is refused before any work, <c>--help</c> lists them, and a
/// bench that reads an option it did not declare fails at once (a programming error, so the lists cannot drift).
/// </summary>
internal static class BenchArgs
{
    private static HashSet<string>? s_known;
    private static string s_bench = "";

    /// <summary>Thrown after <c>--help</c> printed the options: <see cref="Program"/> exits 0.</summary>
    internal sealed class HelpShown : Exception;

    /// <summary>
    /// Declares the options of <paramref name="bench"/>: every <c>--name</c> in <paramref name="args"/> must be one of
    /// <paramref name="known"/> (else a <see cref="UserInputException"/> naming it); <c>--help</c> or <c>-h</c> prints them.
    /// </summary>
    public static void Declare(string bench, string[] args, params string[] known)
    {
        s_bench = bench;
        s_known = new HashSet<string>(known, StringComparer.Ordinal);
        string list = known.Length == 0 ? "(none)" : string.Join(' ', known.Order(StringComparer.Ordinal));
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine($"usage: EncDec.Bench {bench} [options]   options: {list}");
            throw new HelpShown();
        }
        foreach (var a in args)
            if (a.StartsWith("--", StringComparison.Ordinal) && !s_known.Contains(a))
                throw new UserInputException($"bench {bench}: unknown option {a}; its options: {list}");
    }

    /// <summary>Forgets the declaration (tests and nested runs).</summary>
    public static void Reset() => s_known = null;

    private static void CheckDeclared(string name)
    {
        if (s_known is not null && !s_known.Contains(name))
            throw new InvalidOperationException($"bench {s_bench} reads {name} but Program does not declare it");
    }

    /// <summary>Whether the switch <paramref name="name"/> is present.</summary>
    public static bool Flag(string[] args, string name)
    {
        CheckDeclared(name);
        return args.Contains(name);
    }

    /// <summary>The value after <paramref name="name"/>, or null when the option is absent.</summary>
    public static string? String(string[] args, string name)
    {
        CheckDeclared(name);
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
