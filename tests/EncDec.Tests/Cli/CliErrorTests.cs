using EncDec.IO;
using EncDec.Models;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>
/// Bad command-line input: one clear line on stderr, a non-zero exit, no stack trace, and no output file left behind.
/// None of these trains a model.
/// </summary>
[Collection(CliCollection.Name)]
public class CliErrorTests : IDisposable
{
    private readonly TempDir _d = new();
    private readonly string _src, _tgt, _short;

    public CliErrorTests()
    {
        _src = _d.Write("a.src", "a b c\nd e\nf\n");
        _tgt = _d.Write("a.tgt", "c b a\ne d\nf\n");
        _short = _d.Write("short.tgt", "c b a\n");
    }

    public void Dispose() => _d.Dispose();

    private string[] Train(params string[] extra) =>
        ["train", "--train-src", _src, "--train-tgt", _tgt, "--tokenizer", "char", "--max-steps", "1", "--out", _d.File("run"), .. extra];

    /// <summary>An untrained tiny model file (weights, config and tokenizers), enough for decoding errors.</summary>
    private string TinyModel()
    {
        var tok = Tokenizer.Train(TokenizerKind.Char, File.ReadAllLines(_src).Concat(File.ReadAllLines(_tgt)), 100);
        var config = new ModelConfig
        {
            Family = ModelFamily.Rnn, Cell = RnnCellKind.Lstm, Attention = AttentionKind.Bahdanau, DModel = 8, HiddenSize = 8,
            EncoderLayers = 1, DecoderLayers = 1, SrcVocabSize = tok.Vocab.Count, TgtVocabSize = tok.Vocab.Count,
        };
        var path = _d.File("tiny/model.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ModelStore.Save(path, ModelFactory.Build(config), config, tok, tok);
        return path;
    }

    [Fact]
    public void UnknownModelType()
        => Assert.Equal("error: --model: unknown model type 'lstmformer' (expected transformer, rnn or lm)", CliRunner.Fails(Train("--model", "lstmformer")));

    [Fact]
    public void UnknownAttention()
    {
        var line = CliRunner.Fails(Train("--model", "rnn", "--attention", "cosine"));
        Assert.StartsWith("error: --attention: unknown attention 'cosine'", line);
    }

    [Fact]
    public void MissingTrainSource()
    {
        var missing = _d.File("nope.src");
        Assert.Equal($"error: {missing}: file not found",
            CliRunner.Fails("train", "--train-src", missing, "--train-tgt", _tgt, "--out", _d.File("run")));
        Assert.False(Directory.Exists(_d.File("run")));
    }

    [Fact]
    public void MismatchedLineCounts_NameBothFiles()
    {
        var line = CliRunner.Fails("train", "--train-src", _src, "--train-tgt", _short, "--tokenizer", "char", "--out", _d.File("run"));
        Assert.StartsWith("error: ", line);
        Assert.Contains(_src, line);
        Assert.Contains(_short, line);
        Assert.Contains("same number of lines", line);
    }

    [Fact]
    public void ModelPathThatIsNotACheckpoint_NamesTheFile()
    {
        var text = _d.Write("notes.txt", "this is a text file, not a model checkpoint\n");
        var line = CliRunner.Fails("translate", "--model", text, "--input", _src);
        Assert.StartsWith($"error: {text}: ", line);
        Assert.Contains("safetensors", line);
        line = CliRunner.Fails("info", text);
        Assert.StartsWith($"error: {text}: ", line);
    }

    [Fact]
    public void MissingModelFolder()
    {
        var missing = _d.File("no-such-run");
        Assert.Equal($"error: {missing}: model file or run folder not found", CliRunner.Fails("translate", "--model", missing, "--input", _src));
        Assert.Equal($"error: {missing}: model file or run folder not found", CliRunner.Fails("info", missing));
        var empty = Directory.CreateDirectory(_d.File("empty-run")).FullName;
        Assert.Contains("no model.safetensors", CliRunner.Fails("translate", "--model", empty, "--input", _src));
    }

    [Fact]
    public void NBestLargerThanBeam()
        => Assert.Equal("error: --nbest 3 needs --beam of at least 3", CliRunner.Fails("translate", "--model", TinyModel(), "--input", _src, "--beam", "2", "--nbest", "3"));

    [Fact]
    public void InvalidYamlConfig_NamesFileAndLine()
    {
        var bad = _d.Write("bad.yaml", "model: rnn\nmax_steps: 10\n  layers: [2\n");
        var line = CliRunner.Fails("train", "--config", bad);
        Assert.StartsWith($"error: {bad}:", line);
        Assert.Matches($@"^error: {System.Text.RegularExpressions.Regex.Escape(bad)}:\d+: invalid config", line);

        var unknown = _d.Write("unknown.yaml", "model: rnn\nmax_stepz: 10\n");
        Assert.Equal($"error: {unknown}:2: invalid config: unknown setting 'max_stepz'", CliRunner.Fails("train", "--config", unknown));

        var type = _d.Write("type.yaml", "model: rnn\nlayers: [1, 2]\n");
        Assert.Equal($"error: {type}:2: invalid config: expected an integer at column 9", CliRunner.Fails("train", "--config", type));

        Assert.Equal($"error: {_d.File("none.yaml")}: config file not found", CliRunner.Fails("train", "--config", _d.File("none.yaml")));
    }

    [Fact]
    public void ConstraintsWithWrongNumberOfLines()
    {
        var cons = _d.Write("cons.txt", "a\n");
        var output = _d.File("out/hyp.txt");
        var line = CliRunner.Fails("translate", "--model", TinyModel(), "--input", _src, "--constraints", cons, "--output", output);
        Assert.Equal($"error: {cons}: has 1 lines but the input has 3", line);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void ParseErrors_AreNonZero_WithoutStackTrace()
    {
        Assert.Contains("--bogus", CliRunner.Fails("train", "--bogus"));
        Assert.Contains("--model", CliRunner.Fails("translate", "--input", _src));      // a required option is missing
        Assert.Contains("--steps", CliRunner.Fails("demo", "--steps", "many"));
        Assert.Contains("frobnicate", CliRunner.Fails("frobnicate"));
    }

    [Fact]
    public void ImpossibleTrainingSettings()
    {
        Assert.Equal("error: lr (--lr) must be a positive number, got -1", CliRunner.Fails(Train("--lr", "-1")));
        Assert.Equal("error: layers (--layers) must be at least 1, got 0", CliRunner.Fails(Train("--layers", "0")));
        Assert.StartsWith("error: --scheduled-sampling: unknown decay", CliRunner.Fails(Train("--scheduled-sampling", "cubic")));
        Assert.StartsWith("error: --tokenizer: unknown tokenizer kind 'sentencepiece'",
            CliRunner.Fails("train", "--train-src", _src, "--train-tgt", _tgt, "--tokenizer", "sentencepiece", "--out", _d.File("run")));
        Assert.Equal("error: give both --valid-src and --valid-tgt, or neither", CliRunner.Fails(Train("--valid-src", _src)));
    }

    [Fact]
    public void RunFolderThatIsAFile_OrCannotBeCreated()
    {
        var file = _d.Write("taken", "x\n");
        Assert.Equal($"error: {file}: --out: is a file, not a run folder",
            CliRunner.Fails("train", "--train-src", _src, "--train-tgt", _tgt, "--tokenizer", "char", "--out", file));
        Assert.Equal($"error: {file}: --out: is a file, not a run folder", CliRunner.Fails("demo", "--quick", "--out", file));
        var under = Path.Combine(file, "run");      // a folder inside a file cannot be created
        Assert.StartsWith($"error: {under}: --out: cannot create the run folder",
            CliRunner.Fails("train", "--train-src", _src, "--train-tgt", _tgt, "--tokenizer", "char", "--max-steps", "1", "--out", under));
    }

    [Fact]
    public void TranslateOutput_NeverHalfWritten()
    {
        // the model path is wrong: nothing is written into the output folder
        var outDir = Directory.CreateDirectory(_d.File("outputs")).FullName;
        CliRunner.Fails("translate", "--model", _d.File("wrong"), "--input", _src, "--output", Path.Combine(outDir, "hyp.txt"));
        Assert.Empty(Directory.GetFileSystemEntries(outDir));

        // a missing input: likewise
        CliRunner.Fails("translate", "--model", TinyModel(), "--input", _d.File("missing.src"), "--output", Path.Combine(outDir, "hyp.txt"));
        Assert.Empty(Directory.GetFileSystemEntries(outDir));

        // --output names a folder: an error before any decoding, the folder untouched
        Assert.Equal($"error: {outDir}: --output: is a folder, not a file", CliRunner.Fails("translate", "--model", TinyModel(), "--input", _src, "--output", outDir));
        Assert.Empty(Directory.GetFileSystemEntries(outDir));

        // and an existing output survives a failed run unchanged
        var existing = _d.Write("outputs/keep.txt", "old\n");
        CliRunner.Fails("translate", "--model", _d.File("wrong"), "--input", _src, "--output", existing);
        Assert.Equal("old\n", File.ReadAllText(existing));
    }

    [Fact]
    public void FileSystemErrors_BecomeOneLine()
    {
        Assert.Equal("error: /x/y.txt: file not found", Program_DescribeIoError(new FileNotFoundException("Could not find file '/x/y.txt'.", "/x/y.txt")));
        Assert.Equal("error: Access to the path '/root/z' is denied.", Program_DescribeIoError(new UnauthorizedAccessException("Access to the path '/root/z' is denied.\nmore")));
    }

    private static string Program_DescribeIoError(Exception e) => "error: " + EncDec.Cli.Program.DescribeIoError(e);
}
