using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary><c>encdec demo</c> end to end, in a reduced size: the run folder and the numbers it prints.</summary>
[Collection(CliCollection.Name)]
public class DemoCommandTests
{
    [Fact]
    public void Demo_Quick_WritesRunFolder_AndPrintsScoresThatEvalReproduces()
    {
        using var d = new TempDir();
        var run = Path.Combine(d.Path, "demo");
        var r = CliRunner.Ok("demo", "--quick", "--task", "copy", "--steps", "20", "--train-size", "300", "--test-size", "40",
                             "--max-minutes", "5", "--out", run);
        Assert.Equal("", r.Stderr);

        foreach (var f in new[] { "model.safetensors", "config.json", "metrics.jsonl", "loss.svg", "samples.txt", "test.src", "test.tgt", "test.hyp" })
            Assert.True(File.Exists(Path.Combine(run, f)), $"{f} missing from the run folder\n{r}");
        using (var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))))
            Assert.Equal("transformer", cfg.RootElement.GetProperty("family").GetString());

        // metrics.jsonl: every line is a JSON object with a type; training steps, validation and the test summary are there
        var types = new List<string>();
        foreach (var line in File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Where(l => l.Length > 0))
        {
            using var doc = JsonDocument.Parse(line);
            types.Add(doc.RootElement.GetProperty("type").GetString()!);
            if (types[^1] is "step" or "valid") Assert.True(doc.RootElement.GetProperty("step").GetInt64() > 0);
            if (types[^1] == "test")
            {
                Assert.Equal("copy", doc.RootElement.GetProperty("task").GetString());
                Assert.Equal(20, doc.RootElement.GetProperty("steps").GetInt64());
                Assert.Equal(40, doc.RootElement.GetProperty("test_size").GetInt32());
            }
        }
        Assert.Contains("step", types);
        Assert.Contains("valid", types);
        Assert.Equal(1, types.Count(t => t == "test"));

        // loss.svg: well-formed SVG with the training curve
        var svg = XDocument.Load(Path.Combine(run, "loss.svg"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", svg.Root!.Name);
        // ScottPlot draws the training curve as one path of line segments (the first series' colour)
        var curve = Assert.Single(svg.Descendants(ns + "path"), p => (string?)p.Attribute("stroke") == "#1F77B4" && p.Attribute("d")!.Value.Count(c => c == 'L') >= 2);
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value.Trim() == "training loss");

        Assert.Contains("source:", File.ReadAllText(Path.Combine(run, "samples.txt")));
        Assert.Equal(40, File.ReadAllLines(Path.Combine(run, "test.hyp")).Length);

        // the printed scores equal a re-evaluation of test.hyp against test.tgt with `encdec eval`
        var exact = Regex.Match(r.Stdout, @"^exact match: ([0-9.]+)%$", RegexOptions.Multiline);
        Assert.True(exact.Success, r.ToString());
        var bleuRow = Regex.Match(r.Stdout, @"^\s+BLEU \(char\)\s+([0-9.]+)$", RegexOptions.Multiline);
        var chrfRow = Regex.Match(r.Stdout, @"^\s+chrF2\s+([0-9.]+)$", RegexOptions.Multiline);
        Assert.True(bleuRow.Success && chrfRow.Success, r.ToString());

        var ev = CliRunner.Ok("eval", "--hyp", Path.Combine(run, "test.hyp"), "--ref", Path.Combine(run, "test.tgt"),
                              "--metrics", "exact,bleu,chrf", "--tokenize", "char", "--json");
        using var report = JsonDocument.Parse(ev.Stdout);
        string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
        Assert.Equal(exact.Groups[1].Value, F(report.RootElement.GetProperty("exact_match").GetDouble() * 100));
        Assert.Equal(bleuRow.Groups[1].Value, F(report.RootElement.GetProperty("bleu").GetDouble()));
        Assert.Equal(chrfRow.Groups[1].Value, F(report.RootElement.GetProperty("chrf").GetDouble()));
        Assert.Equal(40, report.RootElement.GetProperty("segments").GetInt32());
    }
}
