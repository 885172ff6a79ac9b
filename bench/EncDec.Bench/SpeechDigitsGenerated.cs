using System.Diagnostics;

namespace EncDec.Bench;

/// <summary>
/// The bench's larger spoken-digits training set: <c>data/speech-digits/make_speech_digits.py --train N --test 0
/// --variants wide</c> (the six training accents with many more espeak-ng voice variants, never the held-out ones),
/// made once into the temp folder (written aside, then renamed, so a folder that exists is complete) and reused.
/// Needs <c>/usr/bin/python3</c>, <c>espeak-ng</c> and <c>sox</c>; without them the bench uses the shipped clips only.
/// </summary>
public static class SpeechDigitsGenerated
{
    public const int Seed = 15;

    /// <summary>The folder of <paramref name="clips"/> generated clips, or null (with a log line) when they cannot be made.</summary>
    public static string? Folder(int clips, Action<string> log)
    {
        if (clips <= 0) return null;
        string dir = Path.Combine(Path.GetTempPath(), $"encdec-speech-digits-wide-{clips}-s{Seed}");
        if (File.Exists(Path.Combine(dir, "train.tsv"))) { log($"extra training clips: {dir} (cached)"); return dir; }
        string? script = FindScript();
        string[] tools = ["espeak-ng", "sox", "soxi"];
        if (script is null || !File.Exists("/usr/bin/python3") || tools.Any(t => !OnPath(t)))
        {
            log("extra training clips: not made (needs data/speech-digits/make_speech_digits.py, /usr/bin/python3, espeak-ng and sox); shipped clips only");
            return null;
        }
        string part = $"{dir}.part-{Environment.ProcessId}";
        var sw = Stopwatch.StartNew();
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { script, "--train", clips.ToString(), "--test", "0", "--variants", "wide", "--jobs", "4", "--seed", Seed.ToString(), "--out", part })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            log($"extra training clips: make_speech_digits.py failed ({p.ExitCode}): {err.Result.Trim().Split('\n').LastOrDefault()}; shipped clips only");
            if (Directory.Exists(part)) Directory.Delete(part, true);
            return null;
        }
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.Move(part, dir);
        log($"extra training clips: {clips} made in {sw.Elapsed.TotalSeconds:F0} s into {dir}");
        return dir;
    }

    private static string? FindScript()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "data", "speech-digits", "make_speech_digits.py");
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    private static bool OnPath(string tool)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));
}
