using System.Globalization;
using System.Text;
using System.Text.Json;
using EncDec.Training;

namespace EncDec.Cli;

/// <summary>
/// The run folder's <c>metrics.jsonl</c>: one JSON object a line, appended and flushed line by line, so a reader
/// sees each line at once and a crash loses at most the line being written.
/// </summary>
internal sealed class MetricsLog : IDisposable
{
    private readonly FileStream _stream;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public string Path { get; }

    public MetricsLog(string path)
    {
        Path = path;
        // FileShare.ReadWrite: readers (tail -f, a dashboard, a test) may open the file while it grows.
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1);
    }

    /// <summary>Appends <paramref name="record"/> (serialised as one JSON line) and flushes it to the operating system.</summary>
    public void Append(object record)
    {
        byte[] line = Utf8.GetBytes(JsonSerializer.Serialize(record) + "\n");
        _stream.Write(line);
        _stream.Flush();
    }

    /// <summary>A training step: loss, learning rate, gradient norm, target tokens/s, memory and elapsed time.</summary>
    public void Step(StepInfo s)
    {
        var mem = ProcessMemory.Read();
        Append(new
        {
            type = "step", step = s.Step, epoch = s.Epoch, loss = Finite(s.Loss), lr = s.Lr, grad_norm = Finite(s.GradNorm),
            tokens_per_s = Math.Round(s.TokensPerSecond, 1), gold_probability = s.GoldProbability, skipped = s.Skipped,
            managed_bytes = mem.ManagedBytes, rss_bytes = mem.RssBytes, peak_rss_bytes = mem.PeakRssBytes, elapsed_s = Math.Round(s.ElapsedSeconds, 2),
        });
    }

    /// <summary>A validation: loss, perplexity, BLEU, chrF, exact match and whether it is the best so far.</summary>
    public void Validation(ValidationInfo v) => Append(new
    {
        type = "valid", step = v.Step, loss = Finite(v.Loss), ppl = Finite(v.Perplexity), bleu = v.Bleu, chrf = v.ChrF, exact_match = v.ExactMatch, best = v.IsBest,
    });

    public void Warning(string message) => Append(new { type = "warning", message });

    public void Dispose() => _stream.Dispose();

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;
}

/// <summary>Live memory of this process: the managed heap, and resident set size (now and peak) from /proc/self/status.</summary>
internal readonly record struct ProcessMemory(long ManagedBytes, long RssBytes, long PeakRssBytes)
{
    public static ProcessMemory Read()
    {
        long managed = GC.GetTotalMemory(forceFullCollection: false);
        long rss = -1, peak = -1;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = KiloBytes(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = KiloBytes(line);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* not Linux: fall back below */ }
        if (rss < 0 || peak < 0)
        {
            using var p = System.Diagnostics.Process.GetCurrentProcess();
            if (rss < 0) rss = p.WorkingSet64;
            if (peak < 0) peak = p.PeakWorkingSet64;
        }
        return new ProcessMemory(managed, rss, peak);
    }

    /// <summary>"VmRSS:	  123456 kB" → bytes; -1 when the line has another form.</summary>
    private static long KiloBytes(string line)
    {
        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 3 && parts[2] == "kB" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : -1;
    }
}
