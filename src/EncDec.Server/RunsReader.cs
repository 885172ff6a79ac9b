using System.Text;
using System.Text.Json;

namespace EncDec.Server;

/// <summary>
/// The dashboard's data: the run folders under a folder (each with a <c>metrics.jsonl</c>, the folder itself
/// included when it is a run), and a run's new metric lines from a byte offset, so a page polling it sees a growing
/// file line by line. Only complete lines are returned; a file that shrank (a fresh start) is read from the top.
/// </summary>
public sealed class RunsReader(string root)
{
    public const string MetricsFile = "metrics.jsonl";
    public string Root { get; } = root;

    /// <summary>Run names: "." for the folder itself, else the sub-folder names, sorted.</summary>
    public IReadOnlyList<string> List()
    {
        var names = new List<string>();
        if (File.Exists(Path.Combine(Root, MetricsFile))) names.Add(".");
        if (Directory.Exists(Root))
            names.AddRange(Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, MetricsFile)))
                .Select(Path.GetFileName).OfType<string>().OrderBy(n => n, StringComparer.Ordinal));
        return names;
    }

    /// <summary>The metric records after <paramref name="offset"/> as a JSON body: <c>{"run", "offset", "reset", "records": [...]}</c>.</summary>
    public byte[] Read(string name, long offset)
    {
        if (name.Length == 0 || name.Contains('/') || name.Contains('\\') || (name.Contains("..", StringComparison.Ordinal)) || !List().Contains(name))
            throw new RequestException(404, $"no run '{name}' under the runs folder");
        string path = name == "." ? Path.Combine(Root, MetricsFile) : Path.Combine(Root, name, MetricsFile);
        byte[] bytes;
        bool reset = false;
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            if (offset < 0 || offset > f.Length) { offset = 0; reset = true; }
            f.Position = offset;
            long n = Math.Min(f.Length - offset, 8 << 20);
            bytes = new byte[n];
            f.ReadExactly(bytes);
        }
        int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;   // complete lines only
        var records = new List<string>();
        foreach (var line in Encoding.UTF8.GetString(bytes, 0, end).Split('\n'))
        {
            if (line.Length == 0) continue;
            try { using var d = JsonDocument.Parse(line); if (d.RootElement.ValueKind == JsonValueKind.Object) records.Add(line); }
            catch (JsonException) { /* a line that is not JSON is skipped */ }
        }
        long next = offset + end;
        return ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("run", name);
            w.WriteNumber("offset", next);
            w.WriteBoolean("reset", reset);
            w.WriteStartArray("records");
            foreach (var r in records) w.WriteRawValue(r, skipInputValidation: true);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
