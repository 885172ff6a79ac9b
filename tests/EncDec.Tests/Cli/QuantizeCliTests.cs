using Xunit;

namespace EncDec.Tests.Cli;

[Collection(CliCollection.Name)]
public class QuantizeCliTests
{
    [Fact]
    public void Quantize_writes_an_int8_file_that_translate_and_info_load_and_refuses_bad_input_in_one_line()
    {
        using var tmp = new TempDir();
        var rng = new Random(11);
        var words = Enumerable.Range(0, 120).Select(_ => new string(Enumerable.Range(0, rng.Next(3, 7)).Select(_ => (char)('a' + rng.Next(6))).ToArray())).ToList();
        string src = tmp.Write("src.txt", string.Concat(words.Select(w => string.Join(' ', w.ToCharArray()) + "\n")));
        string tgt = tmp.Write("tgt.txt", string.Concat(words.Select(w => string.Join(' ', w.Reverse()) + "\n")));
        string run = tmp.File("run");
        CliRunner.Ok("train", "--train-src", src, "--train-tgt", tgt, "--tokenizer", "char", "--d-model", "32", "--layers", "1", "--heads", "2",
                     "--feed-forward", "64", "--dropout", "0", "--max-steps", "60", "--batch-size", "16", "--lr", "0.003", "--out", run);
        string int8 = tmp.File("model.int8.safetensors");
        var q = CliRunner.Ok("quantize", "--model", run, "--output", int8);
        Assert.Contains("quantised 17 linear layers to int8", q.Stdout);
        Assert.True(new FileInfo(int8).Length < new FileInfo(Path.Combine(run, "model.safetensors")).Length / 2);
        Assert.Contains("int8", CliRunner.Ok("info", int8).Stdout);

        string floatHyp = tmp.File("float.hyp"), int8Hyp = tmp.File("int8.hyp");
        CliRunner.Ok("translate", "--model", run, "--input", src, "--output", floatHyp);
        CliRunner.Ok("translate", "--model", int8, "--input", src, "--output", int8Hyp);
        var a = File.ReadAllLines(floatHyp); var b = File.ReadAllLines(int8Hyp);
        Assert.Equal(words.Count, b.Length);
        // a briefly trained model: most outputs equal, and as good against the references
        var refs = File.ReadAllLines(tgt);
        double floatBleu = EncDec.Metrics.Bleu.Corpus(a, [refs]).Score, int8Bleu = EncDec.Metrics.Bleu.Corpus(b, [refs]).Score;
        Assert.True(int8Bleu >= 0.95 * floatBleu, $"int8 BLEU {int8Bleu} vs float {floatBleu}");
        Assert.True(a.Zip(b).Count(p => p.First == p.Second) >= words.Count * 3 / 4, $"{a.Zip(b).Count(p => p.First == p.Second)} of {words.Count} equal");

        string bad = tmp.File("bad.safetensors");
        Assert.Contains("already an int8 model", CliRunner.Fails("quantize", "--model", int8, "--output", bad));
        Assert.Contains("--keep-float: 'nope'", CliRunner.Fails("quantize", "--model", run, "--output", bad, "--keep-float", "nope"));
        Assert.Contains("is a folder", CliRunner.Fails("quantize", "--model", run, "--output", tmp.Path));
        Assert.Contains("not found", CliRunner.Fails("quantize", "--model", tmp.File("missing"), "--output", bad));
        string junk = tmp.Write("junk.safetensors", "not a model");
        Assert.Contains(junk, CliRunner.Fails("quantize", "--model", junk, "--output", bad));
        Assert.False(File.Exists(bad));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp*"));
    }
}
