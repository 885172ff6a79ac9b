using EncDec.Cli;
using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary><c>train --model lm</c> then <c>generate</c>; <c>pretrain</c> then <c>train --init-encoder</c>.</summary>
[Collection(CliCollection.Name)]
public sealed class LmPretrainCliTests : IDisposable
{
    private readonly TempDir _d = new();
    public void Dispose() => _d.Dispose();

    private static readonly string[] LmFlags =
    [
        "train", "--model", "lm", "--tokenizer", "word", "--d-model", "32", "--heads", "2", "--feed-forward", "64", "--layers", "1", "--max-steps", "40",
        "--lr", "0.003", "--warmup", "10", "--batch-size", "24", "--dropout", "0", "--label-smoothing", "0", "--valid-every", "0",
    ];

    private string Generate(string run, string input)
    {
        var inPath = _d.Write($"in{Guid.NewGuid():N}.txt", input);
        return CliRunner.Ok("generate", "--model", run, "--input", inPath, "--max-len", "10").Stdout;
    }

    [Fact]
    public void LanguageModel_WithTsvControlCodes_GeneratesPerCode()
    {
        var text = _d.Write("codes.tsv", string.Concat(Enumerable.Repeat("<up>\ta b c d e\n<down>\te d c b a\n<same>\tc c c c c\n", 40)));
        var run = _d.File("lm");
        var r = CliRunner.Ok([.. LmFlags, "--train-text", text, "--control", "tsv", "--out", run]);
        Assert.Contains("3 control codes", r.Stdout);
        var loaded = ModelStore.Load(run);
        Assert.Equal(ModelFamily.DecoderOnly, loaded.Config.Family);
        Assert.IsType<DecoderOnlyLm>(loaded.Model);
        foreach (var code in new[] { "<up>", "<down>", "<same>" })
            Assert.True(loaded.TargetTokenizer!.Vocab.TryGetId(code, out int id) && loaded.TargetTokenizer.Vocab.IsControl(id), code);
        Assert.Equal("a b c d e\ne d c b a\nc c c c c\n", Generate(run, "<up>\n<down>\n<same>\n"));
    }

    [Fact]
    public void LanguageModel_WithPrefixCodes_OrNone_FromTrainTgt()
    {
        var text = _d.Write("prefix.txt", string.Concat(Enumerable.Repeat("<up> a b c d e\n<down> e d c b a\n", 40)));
        var run = _d.File("lm-prefix");
        CliRunner.Ok([.. LmFlags, "--train-tgt", text, "--control", "prefix", "--out", run]);
        Assert.Equal("e d c b a\na b c d e\n", Generate(run, "<down>\n<up>\n"));

        var plain = _d.Write("plain.txt", string.Concat(Enumerable.Repeat("a b c d e\n", 40)));
        var run2 = _d.File("lm-plain");
        CliRunner.Ok([.. LmFlags, "--train-text", plain, "--out", run2]);
        Assert.Equal("a b c d e\n", Generate(run2, "\n"));   // an empty prefix, as in training

        Assert.Equal("error: --model lm needs --train-text (or --train-tgt) (as a flag or in --config)", CliRunner.Fails("train", "--model", "lm", "--out", _d.File("x")));
        var bad = _d.Write("bad.tsv", "<up>\ta b\nno tab here\n");
        Assert.Equal($"error: {bad}:2: expected CODES<TAB>TEXT (no tab on this line)", CliRunner.Fails([.. LmFlags, "--train-text", bad, "--control", "tsv", "--out", _d.File("y")]));
    }

    [Fact]
    public void LanguageModelData_SplitsCodesFromText()
    {
        Assert.Equal(("<a> <b>", "x y"), LanguageModelData.Split("<a>  <b>\tx y", ControlCodeSource.Tsv));
        Assert.Equal(("<a> <b>", "x <c> y"), LanguageModelData.Split("<a> <b> x <c> y", ControlCodeSource.Prefix));
        Assert.Equal(("", "<a> x"), LanguageModelData.Split("<a> x", ControlCodeSource.None));
        Assert.Equal(("", "x y"), LanguageModelData.Split("x y", ControlCodeSource.Prefix));
        Assert.Equal(["<a>", "<b>", "<c>"], LanguageModelData.Codes([new("<a> <b>", "x"), new("<b> <c>", "y")]));
    }

    /// <summary>Writes a small corpus of word sentences and runs <c>pretrain</c> on it.</summary>
    private (string Run, string Src, string Tgt) Pretrain()
    {
        var rng = new Rng(3);
        string[] words = ["w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9"];
        var lines = Enumerable.Range(0, 200).Select(_ => string.Join(' ', Enumerable.Range(0, 3 + rng.NextInt(5)).Select(_ => words[rng.NextInt(words.Length)]))).ToList();
        var text = _d.Write("mono.txt", string.Join('\n', lines) + "\n");
        var valid = _d.Write("mono.valid", string.Join('\n', lines.Take(40)) + "\n");
        var src = _d.Write("p.src", string.Join('\n', lines.Take(60)) + "\n");
        var tgt = _d.Write("p.tgt", string.Join('\n', lines.Take(60).Select(l => string.Join(' ', l.Split(' ').Reverse()))) + "\n");
        var run = _d.File("pre");
        var r = CliRunner.Ok("pretrain", "--train-text", text, "--valid-text", valid, "--tokenizer", "word", "--d-model", "16", "--heads", "2",
                             "--feed-forward", "32", "--layers", "1", "--max-steps", "10", "--valid-every", "5", "--checkpoint-every", "5",
                             "--batch-size", "32", "--log-every", "5", "--lr", "0.003", "--warmup", "2", "--out", run);
        Assert.Contains("done: 10 steps", r.Stdout);
        return (run, src, tgt);
    }

    private static string[] FineTune(string run, string src, string tgt, string outDir, params string[] more)
    {
        var args = new List<string> { "train", "--train-src", src, "--train-tgt", tgt, "--init-encoder", run, "--heads", "2", "--layers", "1",
                                      "--max-steps", "1", "--batch-size", "16", "--valid-every", "0", "--out", outDir };
        if (!more.Contains("--d-model")) args.AddRange(["--d-model", "16"]);
        if (!more.Contains("--feed-forward")) args.AddRange(["--feed-forward", "32"]);
        return [.. args, .. more];
    }

    [Fact]
    public void Pretrain_ThenInitEncoder_LoadsThePretrainedWeights()
    {
        var (run, src, tgt) = Pretrain();
        foreach (var f in new[] { "model.safetensors", "source.tokenizer.json", "config.json", "metrics.jsonl", "checkpoints/step_00000010.safetensors", "best.safetensors" })
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(2, metrics.Count(l => l.Contains("\"type\":\"step\"")));
        Assert.Equal(2, metrics.Count(l => l.Contains("\"type\":\"valid\"")));
        var pre = ModelStore.Load(run);
        Assert.Equal(ModelFamily.EncoderOnly, pre.Config.Family);
        Assert.Equal(10, pre.Step);

        // the resolve path: a fresh encoder-decoder differs from the pretrained encoder until LoadInto
        var enc = PretrainedEncoder.Load(run);
        var spec = new TrainSpec { DModel = 16, Heads = 2, FeedForward = 32, Layers = 1 };
        var plan = TrainPlan.Resolve(spec, enc.Tokenizer.Vocab.Count, enc.Tokenizer.Vocab.Count, jointVocab: true);
        enc.CheckConfig(plan.Model);
        var model = ModelFactory.Build(plan.Model);
        const string key = "encoder.stack.layers.0.self_attn.q_proj.weight";
        Assert.Contains(key, enc.State.Keys);
        Assert.NotEqual(enc.State[key].ToArray(), model.StateDict()[key].ToArray());
        enc.LoadInto(model);
        var state = model.StateDict();
        foreach (var (name, t) in enc.State) Assert.Equal(t.ToArray(), state[name].ToArray());

        // the CLI path: with a vanishing step size the trained model still holds the pretrained encoder
        var ft = _d.File("ft");
        var r = CliRunner.Ok(FineTune(run, src, tgt, ft, "--optimizer", "sgd", "--lr", "1e-30"));
        Assert.Contains("source tokenizer: the pretrain run's", r.Stdout);
        var tuned = ModelStore.Load(ft);
        Assert.Equal(enc.Tokenizer.ToJson(), tuned.SourceTokenizer!.ToJson());
        var tunedState = tuned.Model.StateDict();
        foreach (var (name, t) in enc.State)
        {
            var a = t.ToArray(); var b = tunedState[name].ToArray();
            Assert.True(a.Zip(b).All(z => Math.Abs(z.First - z.Second) < 1e-6f), name);
        }
    }

    [Fact]
    public void InitEncoder_RefusesAMismatch_WithOneLine()
    {
        var (run, src, tgt) = Pretrain();
        var model = Path.Combine(run, "model.safetensors");
        Assert.Equal($"error: {model}: --init-encoder: d_model (--d-model) is 32 but the pretrained encoder has 16",
            CliRunner.Fails(FineTune(run, src, tgt, _d.File("a"), "--d-model", "32")));
        Assert.Equal($"error: {model}: --init-encoder: feed_forward (--feed-forward) is 64 but the pretrained encoder has 32",
            CliRunner.Fails(FineTune(run, src, tgt, _d.File("b"), "--feed-forward", "64")));
        Assert.Equal("error: --init-encoder needs --model transformer, got rnn", CliRunner.Fails(FineTune(run, src, tgt, _d.File("c"), "--model", "rnn")));
        var other = _d.File("other.json");
        Tokenizer.Train(TokenizerKind.Char, File.ReadAllLines(src), 100).Save(other);
        Assert.StartsWith($"error: {model}: --init-encoder: the source tokenizer is not this pretrain run's",
            CliRunner.Fails(FineTune(run, src, tgt, _d.File("d"), "--src-tokenizer", other)));
        Assert.Equal($"error: {_d.File("none")}: --init-encoder: pretrain run or model file not found", CliRunner.Fails(FineTune(_d.File("none"), src, tgt, _d.File("e"))));
        Assert.False(Directory.Exists(_d.File("a")));
        Assert.Equal($"error: {run}: --out: already holds a run; pretraining starts over, so give a new folder",
            CliRunner.Fails("pretrain", "--train-text", src, "--out", run));
    }
}
