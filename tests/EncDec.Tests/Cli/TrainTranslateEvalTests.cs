using System.Text.Json;
using System.Text.RegularExpressions;
using EncDec.Data;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>A tiny reversal corpus and an RNN trained on it through <c>encdec train</c>, shared by the tests below.</summary>
public sealed class TrainedRnnFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Src { get; }
    public string Tgt { get; }
    public string Input { get; }
    public string Reference { get; }
    public string Run { get; }
    public CliResult Train { get; }

    public TrainedRnnFixture()
    {
        var pairs = SyntheticTasks.Generate(SyntheticTask.Reverse, 200, seed: 3);
        Src = Dir.File("train.src"); Tgt = Dir.File("train.tgt");
        SyntheticTasks.WriteFiles(pairs, Src, Tgt);
        Input = Dir.File("test.src"); Reference = Dir.File("test.ref");
        SyntheticTasks.WriteFiles(pairs.Take(6), Input, Reference);
        Run = Dir.File("run");
        Train = CliRunner.Run(TrainArgs(Run, steps: 8));
    }

    /// <summary><c>train</c> arguments for a small, fast RNN on the corpus.</summary>
    public string[] TrainArgs(string outDir, int steps) =>
    [
        "train", "--model", "rnn", "--train-src", Src, "--train-tgt", Tgt, "--tokenizer", "char", "--d-model", "16", "--hidden-size", "24",
        "--layers", "1", "--batch-tokens", "600", "--max-steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", outDir,
    ];

    public void Dispose() => Dir.Dispose();
}

/// <summary>train → translate → eval → info through the CLI on a tiny generated corpus, and resuming a run.</summary>
[Collection(CliCollection.Name)]
public class TrainTranslateEvalTests(TrainedRnnFixture fx) : IClassFixture<TrainedRnnFixture>
{
    [Fact]
    public void Train_WritesRunFolder()
    {
        Assert.True(fx.Train.ExitCode == 0, fx.Train.ToString());
        Assert.Equal("", fx.Train.Stderr);
        Assert.Contains("corpus: 200 training pairs", fx.Train.Stdout);
        Assert.Contains("done: 8 steps", fx.Train.Stdout);
        foreach (var f in new[] { "model.safetensors", "config.json", "metrics.jsonl", "loss.svg", "source.tokenizer.json", "target.tokenizer.json" })
            Assert.True(File.Exists(Path.Combine(fx.Run, f)), f);
    }

    [Fact]
    public void Translate_Greedy_WritesOneLinePerInput()
    {
        var output = fx.Dir.File("greedy/hyp.txt");
        var r = CliRunner.Ok("translate", "--model", fx.Run, "--input", fx.Input, "--output", output, "--max-len", "12");
        Assert.Equal("", r.Stdout);
        var text = File.ReadAllText(output);
        Assert.EndsWith("\n", text);
        Assert.Equal(6, text.Split('\n').Length - 1);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, "*.tmp"));

        // the same decoding to stdout, through the `generate` alias
        var s = CliRunner.Ok("generate", "--model", Path.Combine(fx.Run, "model.safetensors"), "--input", fx.Input, "--max-len", "12");
        Assert.Equal(text, s.Stdout);
    }

    [Fact]
    public void Translate_BeamNBest_PrintsIndexTextScore()
    {
        var r = CliRunner.Ok("translate", "--model", fx.Run, "--input", fx.Input, "--beam", "3", "--nbest", "2", "--max-len", "12");
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            var m = Regex.Match(lines[i], @"^(\d+) \|\|\| (.*) \|\|\| (-?\d+\.\d{4})$");
            Assert.True(m.Success, lines[i]);
            Assert.Equal(i / 2, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Eval_Json_HasTheDocumentedKeys()
    {
        var hyp = fx.Dir.File("eval/hyp.txt");
        CliRunner.Ok("translate", "--model", fx.Run, "--input", fx.Input, "--output", hyp, "--max-len", "12");
        var r = CliRunner.Ok("eval", "--hyp", hyp, "--ref", fx.Reference, "--metrics", "bleu,chrf,rouge,exact", "--json");
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        foreach (var key in new[] { "bleu", "counts", "totals", "precisions", "bp", "ratio", "sys_len", "ref_len", "chrf", "chrf_name",
                                    "rouge1", "rouge2", "rougeL", "exact_match", "segments", "signature" })
            Assert.True(root.TryGetProperty(key, out _), $"missing key '{key}' in\n{r.Stdout}");
        Assert.Equal(6, root.GetProperty("segments").GetInt32());
        Assert.InRange(root.GetProperty("exact_match").GetDouble(), 0, 1);
        foreach (var k in new[] { "p", "r", "f" }) Assert.InRange(root.GetProperty("rougeL").GetProperty(k).GetDouble(), 0, 1);
        Assert.StartsWith("nrefs:1|", root.GetProperty("signature").GetProperty("bleu").GetString());
        Assert.StartsWith("nrefs:1|", root.GetProperty("signature").GetProperty("chrf").GetString());
    }

    [Fact]
    public void Info_PrintsParameterCountAndConfig()
    {
        var r = CliRunner.Ok("info", fx.Run);
        var m = Regex.Match(r.Stdout, @"^\s+parameters\s+([\d,]+)$", RegexOptions.Multiline);
        Assert.True(m.Success, r.Stdout);
        Assert.True(long.Parse(m.Groups[1].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture) > 1000);
        Assert.Matches(@"training step\s+8", r.Stdout);
        Assert.Contains("rnn lstm emb=16 hidden=24", r.Stdout);
        var json = r.Stdout[(r.Stdout.IndexOf("config:\n", StringComparison.Ordinal) + "config:\n".Length)..];
        using var cfg = JsonDocument.Parse(json);
        Assert.Equal("rnn", cfg.RootElement.GetProperty("family").GetString());
        Assert.Equal(24, cfg.RootElement.GetProperty("hidden_size").GetInt32());
    }

    [Fact]
    public void Train_SameOutWithMoreSteps_Resumes()
    {
        var run = fx.Dir.File("resumed");
        var first = CliRunner.Ok(fx.TrainArgs(run, steps: 4));
        Assert.DoesNotContain("resuming", first.Stdout);
        var second = CliRunner.Ok(fx.TrainArgs(run, steps: 7));
        Assert.Matches(@"resuming from .*step_0*4\.safetensors \(step 4\)", second.Stdout);
        Assert.Contains("done: 7 steps", second.Stdout);
        Assert.Matches(@"training step\s+7", CliRunner.Ok("info", run).Stdout);
    }
}
