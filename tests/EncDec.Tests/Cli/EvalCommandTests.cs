using System.Text;
using System.Text.Json;
using EncDec.Cli.Commands;
using EncDec.Metrics;
using Xunit;

namespace EncDec.Tests.Cli;

public sealed class EvalCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("encdec-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes) { string p = Path.Combine(_dir, name); File.WriteAllBytes(p, bytes); return p; }
    private string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    private static (int rc, string stdout, string stderr) Run(EvalOptions o)
    {
        var so = new StringWriter(); var se = new StringWriter();
        int rc = EvalCommand.Run(o, so, se);
        return (rc, so.ToString(), se.ToString());
    }

    [Fact]
    public void Text_report_with_signatures()
    {
        string hyp = Write("hyp.txt", "the cat sat on the\r\nab\n");
        string reff = Write("ref.txt", "the cat sat on the mat\nab\n");
        var (rc, stdout, stderr) = Run(new EvalOptions { HypPath = hyp, RefPaths = new[] { reff } });
        Assert.Equal(0, rc);
        Assert.Equal("", stderr);
        Assert.Contains("BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:encdec = ", stdout);
        Assert.Contains("chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:encdec = ", stdout);
    }

    [Fact]
    public void Json_report_has_the_documented_keys()
    {
        string hyp = Write("hyp.txt", "a b c d\n");
        string ref1 = Write("r1.txt", "a b c d\n");
        string ref2 = Write("r2.txt", "x\n");
        var (rc, stdout, _) = Run(new EvalOptions
        {
            HypPath = hyp, RefPaths = new[] { ref1, ref2 }, Json = true,
            Metrics = EvalOptions.ParseMetrics("bleu,chrf,rouge,exact"), Tokenize = EvalOptions.ParseTokenize("none"),
        });
        Assert.Equal(0, rc);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(100.0, root.GetProperty("bleu").GetDouble(), 1e-9);
        Assert.Equal(4, root.GetProperty("counts").GetArrayLength());
        Assert.Equal(4, root.GetProperty("totals")[0].GetInt64());
        Assert.Equal(1.0, root.GetProperty("bp").GetDouble());
        Assert.Equal(4, root.GetProperty("sys_len").GetInt64());
        Assert.Equal(4, root.GetProperty("ref_len").GetInt64());
        Assert.Equal(100.0, root.GetProperty("chrf").GetDouble(), 1e-9);
        Assert.Equal(1.0, root.GetProperty("rougeL").GetProperty("f").GetDouble(), 1e-12);
        Assert.Equal(1.0, root.GetProperty("exact_match").GetDouble());
        Assert.Equal("nrefs:2|case:mixed|eff:no|tok:none|smooth:exp|version:encdec", root.GetProperty("signature").GetProperty("bleu").GetString());
        Assert.StartsWith("nrefs:2|", root.GetProperty("signature").GetProperty("chrf").GetString());
    }

    [Fact]
    public void Invalid_utf8_names_file_and_line()
    {
        string hyp = Write("hyp.txt", new byte[] { (byte)'o', (byte)'k', 10, (byte)'b', 0xFF, (byte)'d', 10 });
        string reff = Write("ref.txt", "a\nb\n");
        var (rc, _, stderr) = Run(new EvalOptions { HypPath = hyp, RefPaths = new[] { reff } });
        Assert.Equal(1, rc);
        Assert.Contains(hyp + ":2: invalid UTF-8", stderr);
        var ex = Assert.Throws<UserInputException>(() => MetricFiles.ReadLines(hyp));
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        string reff = Write("ref.txt", "a\n");
        string missing = Path.Combine(_dir, "nope.txt");
        var (rc, _, stderr) = Run(new EvalOptions { HypPath = missing, RefPaths = new[] { reff } });
        Assert.Equal(1, rc);
        Assert.Contains(missing, stderr);
        Assert.Contains("not found", stderr);
    }

    [Fact]
    public void Line_count_mismatch_names_both_files_and_counts()
    {
        string hyp = Write("hyp.txt", "a\nb\nc\n");
        string reff = Write("ref.txt", "a\nb\n");
        var ex = Assert.Throws<UserInputException>(() => EvalCommand.Evaluate(new EvalOptions { HypPath = hyp, RefPaths = new[] { reff } }));
        Assert.Equal($"{hyp} has 3 lines but {reff} has 2 lines", ex.Message);
    }

    [Fact]
    public void Empty_reference_line_is_a_user_error_for_bleu_but_not_for_exact_match()
    {
        string hyp = Write("hyp.txt", "a\nb\n");
        string reff = Write("ref.txt", "a\n\n");
        var ex = Assert.Throws<UserInputException>(() => EvalCommand.Evaluate(new EvalOptions { HypPath = hyp, RefPaths = new[] { reff } }));
        Assert.Equal(2, ex.Line);
        var r = EvalCommand.Evaluate(new EvalOptions { HypPath = hyp, RefPaths = new[] { reff }, Metrics = EvalMetrics.Exact });
        Assert.Equal(0.5, r.ExactMatch);
    }

    [Fact]
    public void Reading_handles_bom_crlf_and_missing_final_newline()
    {
        string p = Write("x.txt", new byte[] { 0xEF, 0xBB, 0xBF, (byte)'a', 13, 10, 10, (byte)'c' });
        Assert.Equal(new[] { "a", "", "c" }, MetricFiles.ReadLines(p));
    }

    [Fact]
    public void Bad_option_values_are_user_errors()
    {
        Assert.Throws<UserInputException>(() => EvalOptions.ParseMetrics("bleu,meteor"));
        Assert.Throws<UserInputException>(() => EvalOptions.ParseTokenize("intl"));
        Assert.Equal(EvalMetrics.Bleu | EvalMetrics.Rouge, EvalOptions.ParseMetrics(" BLEU , rouge "));
    }
}
