using System.Text.Json;
using EncDec.Cli;
using EncDec.Data;
using EncDec.IO;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary><c>encdec preprocess</c> and <c>encdec train --data</c>: the folder, the counts, identical training, and bad input.</summary>
[Collection(CliCollection.Name)]
public class PreprocessCommandTests : IDisposable
{
    private readonly TempDir _d = new();
    private readonly string _src, _tgt, _vsrc, _vtgt;

    public PreprocessCommandTests()
    {
        var pairs = SyntheticTasks.Generate(SyntheticTask.Reverse, 200, seed: 4);
        // three pairs over --max-length 40 (char tokens) and one blank pair, which the reader skips
        var extra = new[] { new SentencePair(new string('a', 50), "a"), new SentencePair("b", new string('b', 41)), new SentencePair("", "c"),
                            new SentencePair(new string('c', 60), new string('c', 60)) };
        _src = _d.File("train.src"); _tgt = _d.File("train.tgt");
        SyntheticTasks.WriteFiles(pairs.Take(100).Concat(extra).Concat(pairs.Skip(100)), _src, _tgt);
        _vsrc = _d.File("valid.src"); _vtgt = _d.File("valid.tgt");
        SyntheticTasks.WriteFiles(SyntheticTasks.Generate(SyntheticTask.Reverse, 12, seed: 99), _vsrc, _vtgt);
    }

    public void Dispose() => _d.Dispose();

    private string[] Preprocess(string outDir, params string[] extra) =>
        ["preprocess", "--train-src", _src, "--train-tgt", _tgt, "--tokenizer", "char", "--out", outDir, .. extra];

    private static string[] Model(string outDir, int steps) =>
        ["--model", "rnn", "--d-model", "8", "--hidden-size", "16", "--layers", "1", "--batch-tokens", "300", "--lr", "1e-2", "--warmup", "5",
         "--max-steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--valid-every", "10", "--out", outDir];

    [Fact]
    public void Preprocess_WritesShardsTokenizersAndManifest_AndPrintsCounts()
    {
        var dir = _d.File("pp");
        var r = CliRunner.Ok(Preprocess(dir, "--max-length", "40", "--shard-size", "64", "--valid-src", _vsrc, "--valid-tgt", _vtgt));
        Assert.Equal("", r.Stderr);
        Assert.Contains("training a joint char tokenizer (8000 tokens)", r.Stdout);
        Assert.Contains("train: 203 pairs read, 200 kept, 3 dropped by the length filter (3 too long, 0 too short), 1 blank pairs skipped; ", r.Stdout);
        Assert.Contains(" in 4 shards\n", r.Stdout);
        Assert.Contains("valid: 12 pairs read, 12 kept, 0 dropped by the length filter", r.Stdout);
        Assert.Contains($"wrote {dir} (16-bit token ids)", r.Stdout);
        Assert.Equal(new[] { "manifest.json", "source.tokenizer.json", "target.tokenizer.json", "train.00000.shard", "train.00001.shard",
                             "train.00002.shard", "train.00003.shard", "valid.00000.shard" },
                     Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var pc = PreprocessedCorpus.Open(dir);
        Assert.Equal(new[] { 64, 64, 64, 8 }, pc.Train.Shards.Select(s => s.Count));
        Assert.Equal(12, pc.Valid!.Count);
        Assert.Equal(40, pc.Manifest.Filter.MaxSrcTokens);
        Assert.Equal(Path.GetFullPath(_src), Path.GetFullPath(pc.Manifest.Train.Sources[0].Path));
        Assert.Equal(new FileInfo(_tgt).Length, pc.Manifest.Train.Sources[1].Bytes);
        // the 101st kept pair is the source file's 105th line (after the 3 long pairs and the blank one)
        var line105 = File.ReadLines(_src).ElementAt(104);
        Assert.Equal(line105, pc.Source.Decode(pc.Train[100].Src));

        // a second run with fewer shards replaces the first: no stale shard stays behind
        CliRunner.Ok(Preprocess(dir, "--shard-size", "1000", "--src-tokenizer", Path.Combine(dir, "source.tokenizer.json")));
        Assert.Equal(new[] { "train.00000.shard" }, Directory.GetFiles(dir, "*.shard").Select(Path.GetFileName));
    }

    [Fact]
    public void TrainFromPreprocessedFolder_MatchesTrainingFromTheTextFiles()
    {
        var dir = _d.File("pp");
        CliRunner.Ok(Preprocess(dir, "--shard-size", "50", "--valid-src", _vsrc, "--valid-tgt", _vtgt));
        var text = CliRunner.Ok(["train", "--train-src", _src, "--train-tgt", _tgt, "--valid-src", _vsrc, "--valid-tgt", _vtgt,
                                 "--tokenizer", "char", .. Model(_d.File("run-text"), 20)]);
        var data = CliRunner.Ok(["train", "--data", dir, .. Model(_d.File("run-data"), 20)]);
        Assert.Contains("corpus: 203 training pairs, 12 validation pairs\n", text.Stdout);
        Assert.Contains($"corpus: 203 training pairs, 12 validation pairs (preprocessed: {dir})", data.Stdout);
        Assert.Contains("done: 20 steps", data.Stdout);

        static List<double> Losses(string run)
        {
            var ckpt = Directory.GetFiles(Path.Combine(run, "checkpoints"), "step_*.safetensors").Single();
            return JsonSerializer.Deserialize<List<double>>(SafeTensorsCheckpointStore.Instance.Load(ckpt).Extra["losses"])!;
        }
        static string[] Valid(string run) => File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Where(l => l.Contains("\"valid\"")).ToArray();
        var a = Losses(_d.File("run-text"));
        Assert.Equal(20, a.Count);
        Assert.True(a[^1] < a[0]);
        Assert.Equal(a, Losses(_d.File("run-data")));
        Assert.Equal(2, Valid(_d.File("run-text")).Length);
        Assert.Equal(Valid(_d.File("run-text")), Valid(_d.File("run-data")));
        Assert.Equal(File.ReadAllBytes(_d.File("run-text/model.safetensors")), File.ReadAllBytes(_d.File("run-data/model.safetensors")));
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "source.tokenizer.json")), File.ReadAllText(_d.File("run-data/source.tokenizer.json")));

        // a stricter --max-length at training time filters the shards through an index view
        var yaml = _d.Write("strict.yaml", "max_length: 15\n");
        var strict = CliRunner.Ok(["train", "--config", yaml, "--data", dir, .. Model(_d.File("run-strict"), 1)]);
        var kept = Examples.Tokenize(ParallelCorpus.FromFiles(_src, _tgt), EncDec.Text.Tokenizer.Load(Path.Combine(dir, "source.tokenizer.json")),
            EncDec.Text.Tokenizer.Load(Path.Combine(dir, "target.tokenizer.json")), TrainData.Filter(15)).Count;
        Assert.InRange(kept, 1, 190);
        Assert.Contains($"corpus: {kept} training pairs", strict.Stdout);
        Assert.Contains($"dropped {203 - kept} training pairs outside the length limits", strict.Stdout);
    }

    [Fact]
    public void Preprocess_BadInput_IsOneLineAndLeavesNoManifest()
    {
        var outDir = _d.File("bad");
        string Fails(params string[] extra) => CliRunner.Fails(Preprocess(outDir, extra));
        Assert.Equal("error: --shard-size must be at least 1, got 0", Fails("--shard-size", "0"));
        Assert.Equal("error: --tokenizer: unknown tokenizer kind 'bogus' (expected bpe, word or char)",
            CliRunner.Fails("preprocess", "--train-src", _src, "--train-tgt", _tgt, "--tokenizer", "bogus", "--out", outDir));
        Assert.Equal("error: give both --valid-src and --valid-tgt, or neither", Fails("--valid-src", _vsrc));
        Assert.Equal($"error: {_d.File("none.tok")}: file not found", Fails("--src-tokenizer", _d.File("none.tok")));
        Assert.Equal($"error: {_src}: no training pair passes the length filter (max 1/1 tokens)", Fails("--max-length", "1"));
        Assert.Equal("error: --max-length must be at least 1, got 0", Fails("--max-length", "0"));

        var missing = _d.File("missing.src");
        Assert.Equal($"error: {missing}: file not found", CliRunner.Fails("preprocess", "--train-src", missing, "--train-tgt", _tgt, "--out", outDir));
        var shortTgt = _d.Write("short.tgt", "a\nb\n");
        Assert.StartsWith($"error: {_src}:3: '{shortTgt}' ended after 2 lines",
            CliRunner.Fails("preprocess", "--train-src", _src, "--train-tgt", shortTgt, "--tokenizer", "char", "--out", outDir));
        var badUtf8 = _d.WriteBytes("bad.tgt", [.. System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("x\n", 5))), 0xFF, (byte)'\n']);
        var badSrc = _d.Write("six.src", string.Concat(Enumerable.Repeat("y\n", 6)));
        Assert.Equal($"error: {badUtf8}:6: invalid UTF-8 at byte 1 of the line",
            CliRunner.Fails("preprocess", "--train-src", badSrc, "--train-tgt", badUtf8, "--tokenizer", "char", "--out", outDir));
        var file = _d.Write("afile", "x");
        Assert.Equal($"error: {file}: --out: is a file, not a folder", CliRunner.Fails(Preprocess(file)));
        Assert.False(File.Exists(Path.Combine(outDir, "manifest.json")));
        Assert.Empty(Directory.Exists(outDir) ? Directory.GetFiles(outDir, "*.tmp") : []);
    }

    [Fact]
    public void TrainData_BadFolder_IsOneLineNamingIt()
    {
        var run = _d.File("run");
        var nowhere = _d.File("nowhere");
        Assert.Equal($"error: {nowhere}: preprocessed corpus folder not found", CliRunner.Fails("train", "--data", nowhere, "--out", run));
        var empty = Directory.CreateDirectory(_d.File("empty")).FullName;
        Assert.Equal($"error: {empty}: no manifest.json: not a preprocessed corpus (write one with `encdec preprocess`)",
            CliRunner.Fails("train", "--data", empty, "--out", run));
        var dir = _d.File("pp");
        CliRunner.Ok(Preprocess(dir));
        Assert.Equal("error: --data: give either --data or --train-src/--train-tgt, not both",
            CliRunner.Fails("train", "--data", dir, "--train-src", _src, "--train-tgt", _tgt, "--out", run));
        Assert.Equal("error: --data: the preprocessed corpus brings its own tokenizers; drop --src-tokenizer/--tgt-tokenizer",
            CliRunner.Fails("train", "--data", dir, "--src-tokenizer", Path.Combine(dir, "source.tokenizer.json"), "--out", run));
        var shard = Path.Combine(dir, "train.00000.shard");
        var bytes = File.ReadAllBytes(shard);
        File.WriteAllBytes(shard, bytes[..^5]);
        Assert.Equal($"error: {shard}: truncated: {bytes.Length - 5} bytes, the header promises {bytes.Length}",
            CliRunner.Fails("train", "--data", dir, "--out", run));
        Assert.Equal("error: --train-src and --train-tgt (or --data) are required (as flags or in --config)", CliRunner.Fails("train", "--out", run));
    }

    [Fact]
    public void TrainSpec_ReadsDataFromYaml()
    {
        var yaml = _d.Write("t.yaml", "data: corpus/pp\nmax_steps: 3\n");
        var spec = TrainSpec.FromYaml(yaml);
        Assert.Equal("corpus/pp", spec.Data);
        Assert.Equal(3, spec.MaxSteps);
    }
}
