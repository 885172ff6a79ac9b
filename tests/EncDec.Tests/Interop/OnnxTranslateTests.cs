using EncDec.Data;
using EncDec.IO;
using EncDec.Models;
using EncDec.Tests.Cli;
using EncDec.Tests.Models;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Interop;

/// <summary>
/// A tiny model trained on the reverse task, exported with <c>encdec export --format onnx</c>: <c>translate --runtime onnx</c>
/// (ONNX Runtime under EncDec's search) prints exactly what the native runtime prints, greedy, beam 4, sampling and constraints.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class OnnxTranslateTests
{
    [Theory]
    [InlineData(ModelFamily.Transformer)]
    [InlineData(ModelFamily.Rnn)]
    public void Onnx_runtime_translates_exactly_like_native(ModelFamily family)
    {
        using var dir = new TempDir();
        var opts = new SyntheticOptions { MinLength = 3, MaxLength = 5, Alphabet = ModelTestKit.Alphabet };
        var pairs = SyntheticTasks.Generate(SyntheticTask.Reverse, 1500, 5, opts);
        var tok = Tokenizer.Train(TokenizerKind.Word, pairs.Select(p => p.Source), 100);
        var examples = Examples.Tokenize(pairs, tok, tok);
        int v = tok.Vocab.Count;
        var config = family == ModelFamily.Transformer
            ? ModelTestKit.Transformer(v, v, d: 32, heads: 2, ffn: 64, layers: 1, seed: 2)
            : ModelTestKit.Lstm(v, v, emb: 16, hidden: 32, seed: 2);
        var (model, _) = ModelTestKit.Train(config, examples, ModelTestKit.Options(150, 5e-3));
        string file = dir.File("model.safetensors");
        ModelStore.Save(file, model, config, tok, tok);
        CliRunner.Ok("export", "--model", file, "--format", "onnx", "--output", dir.File("onnx"));

        var test = SyntheticTasks.Generate(SyntheticTask.Reverse, 24, 99, opts);
        string input = dir.Write("test.src", string.Join('\n', test.Select(p => p.Source)) + "\n");
        dir.Write("cons.tsv", string.Join('\n', test.Select(p => p.Target.Split(' ')[0])) + "\n");
        string[][] settings = [["--beam", "1"], ["--beam", "4"], ["--sample", "--seed", "3", "--top-k", "3"], ["--beam", "4", "--constraints", dir.File("cons.tsv")]];
        foreach (var s in settings)
        {
            var native = CliRunner.Ok(["translate", "--model", file, "--input", input, .. s]).Stdout;
            var onnx = CliRunner.Ok(["translate", "--model", dir.File("onnx"), "--runtime", "onnx", "--input", input, .. s]).Stdout;
            Assert.Equal(native, onnx);
            if (s[1] == "1")
            {   // the model learned the task: a real comparison, not two empty outputs
                var hyp = native.Split('\n');
                int ok = test.Where((p, i) => hyp[i] == p.Target).Count();
                Assert.True(ok >= test.Count / 4, $"{family}: only {ok}/{test.Count} reversed correctly");
            }
        }
    }

    [Fact]
    public void Bad_runtime_and_missing_export_are_one_line_errors()
    {
        using var dir = new TempDir();
        var err = CliRunner.Run("translate", "--model", dir.Path, "--runtime", "tpu");
        Assert.Equal(1, err.ExitCode);
        Assert.Contains("--runtime", err.Stderr);
        var missing = CliRunner.Run("translate", "--model", dir.Path, "--runtime", "onnx");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("encdec-onnx.json", missing.Stderr);
        Assert.Single(missing.ErrorLines);
    }
}
