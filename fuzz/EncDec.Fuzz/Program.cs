using SharpFuzz;

namespace EncDec.Fuzz;

/// <summary>
/// <c>EncDec.Fuzz TARGET</c> runs under AFL++ (afl-fuzz starts it; SharpFuzz talks to the fork server and reports
/// coverage of the instrumented assemblies). <c>EncDec.Fuzz TARGET --replay PATH...</c> runs files or folders of
/// inputs once each and lists those that end in an unexpected exception (exit 1), so a crash can be reproduced.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "--make-seeds") { Seeds.Write(args[1]); return 0; }
        if (args.Length == 0 || !Enum.TryParse<FuzzTarget>(args[0], ignoreCase: true, out var target))
        {
            Console.Error.WriteLine($"usage: EncDec.Fuzz <{string.Join('|', Enum.GetNames<FuzzTarget>()).ToLowerInvariant()}> [--replay PATH...]");
            return 2;
        }
        if (args.Length > 1 && args[1] == "--replay") return Replay(target, args[2..]);
        Fuzzer.Run(stream =>
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            FuzzTargets.Run(target, ms.ToArray());
        });
        return 0;
    }

    private static int Replay(FuzzTarget target, string[] paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]).ToList();
        int bad = 0;
        foreach (var f in files)
        {
            try { FuzzTargets.Run(target, File.ReadAllBytes(f)); }
            catch (Exception e)
            {
                bad++;
                Console.WriteLine($"{f}: {e.GetType().Name}: {e.Message}");
                Console.WriteLine(e.StackTrace);
            }
        }
        Console.WriteLine($"{files.Count} inputs, {bad} with an unexpected exception");
        return bad == 0 ? 0 : 1;
    }
}
