using EncDec.IO;
using EncDec.Models;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>
/// Model configs and checkpoints that cannot work: refused in one line naming the file and the setting, before any
/// model-sized allocation, and — for <c>train</c> — before a run folder or tokenizer file is created.
/// </summary>
[Collection(CliCollection.Name)]
public class ConfigAndCheckpointHardeningTests : IDisposable
{
    private readonly TempDir _d = new();
    private readonly string _src, _tgt;

    public ConfigAndCheckpointHardeningTests()
    {
        _src = _d.Write("a.src", "a b c\nd e\nf\n");
        _tgt = _d.Write("a.tgt", "c b a\ne d\nf\n");
    }

    public void Dispose() => _d.Dispose();

    private string[] Train(params string[] extra) =>
        ["train", "--train-src", _src, "--train-tgt", _tgt, "--tokenizer", "char", "--max-steps", "1", "--out", _d.File("run"), .. extra];

    /// <summary>A checkpoint whose stored config is <paramref name="config"/> but whose tensors are those of a tiny model.</summary>
    private string FileWithConfig(ModelConfig config, string name = "odd.safetensors")
    {
        var tok = CliHardeningKit.CharTokenizer();
        var tiny = ModelFactory.Build(CliHardeningKit.Rnn(tok));
        var path = _d.File(name);
        new Checkpoint { Model = tiny.StateDict(), ConfigJson = config.ToJson() }.Save(path);
        return path;
    }

    [Fact]
    public void HugeVocabulary_InACheckpoint_IsOneLine_NotOutOfMemory()
    {
        var path = FileWithConfig(new ModelConfig { Family = ModelFamily.Transformer, SrcVocabSize = 200_000_000, TgtVocabSize = 200_000_000, DModel = 256 });
        Assert.Equal($"error: {path}: the source embedding (src_vocab_size × d_model) would hold 51,200,000,000 values, more than one tensor can (2,147,483,591): check the vocabulary sizes and d_model",
                     CliRunner.Fails("info", path));
    }

    [Fact]
    public void ModelLargerThanMemory_IsRefusedBeforeAllocation()
    {
        // every tensor fits an array, but together they need tens of terabytes
        var config = new ModelConfig { SrcVocabSize = 1000, TgtVocabSize = 1000, DModel = 32000, Heads = 1, FeedForward = 65536, EncoderLayers = 1024, DecoderLayers = 1024 };
        var e = Assert.Throws<UserInputException>(() => config.Validate("cfg"));
        Assert.Matches(@"^cfg: the model would have about [\d,]+ parameters \([\d.]+ GB of float32 weights\), more than the [\d.]+ GB of memory this process may use", e.Message);
        Assert.InRange(config.EstimatedParameters(), 2.0e13, 2.2e13);   // 1024 · (self 8.3e9 + cross 12.4e9)
    }

    [Fact]
    public void EstimatedParameters_IsCloseToTheBuiltModel()
    {
        var tok = CliHardeningKit.CharTokenizer();
        foreach (var c in new[]
        {
            CliHardeningKit.Rnn(tok),
            new ModelConfig { SrcVocabSize = 50, TgtVocabSize = 60, DModel = 32, Heads = 4, FeedForward = 64, EncoderLayers = 2, DecoderLayers = 2 },
            new ModelConfig { Family = ModelFamily.DecoderOnly, TgtVocabSize = 60, DModel = 32, Heads = 4, FeedForward = 64, DecoderLayers = 2 },
        })
        {
            long actual = ModelFactory.Build(c).ParameterCount;
            Assert.InRange(c.EstimatedParameters(), actual, actual * 13 / 10);   // an upper bound within 30%
        }
    }

    [Theory]
    [InlineData("pad_id 99 is outside the source vocabulary of 20 tokens", 99, 4, 256)]
    [InlineData("d_model (10) must be divisible by heads (4)", 0, 4, 10)]
    [InlineData("feed_forward must be in [1, 65,536], got -1", 0, 2, 16, -1)]
    public void BadConfigInACheckpoint_NamesTheFileAndTheField(string problem, int pad, int heads, int d, int ff = 32)
    {
        var path = FileWithConfig(new ModelConfig { SrcVocabSize = 20, TgtVocabSize = 20, PadId = pad, Heads = heads, DModel = d, FeedForward = ff });
        Assert.Equal($"error: {path}: {problem}", CliRunner.Fails("translate", "--model", path, "--input", _src));
    }

    [Fact]
    public void CheckpointWhoseTensorsDoNotFitItsConfig_IsOneShortLine()
    {
        var tok = CliHardeningKit.CharTokenizer();
        var path = FileWithConfig(CliHardeningKit.Rnn(tok) with { DModel = 16, HiddenSize = 16 });
        var line = CliRunner.Fails("info", path);
        Assert.Matches(@"^error: .*odd\.safetensors: tensor '[\w.]+' is \(\d+, 8\) but its config makes \(\d+, 16\) \(and \d+ more differences\)$", line);
        Assert.True(line.Length < 300, line);
    }

    [Fact]
    public void LoadStateDict_WithEveryTensorWrong_IsShort()
    {
        var tok = CliHardeningKit.CharTokenizer();
        var small = ModelFactory.Build(CliHardeningKit.Rnn(tok));
        var big = ModelFactory.Build(CliHardeningKit.Rnn(tok) with { DModel = 16, HiddenSize = 16 });
        var e = Assert.Throws<UserInputException>(() => big.LoadStateDict(small.StateDict()));
        Assert.Matches(@"\(and \d+ more\)$", e.Message);
        Assert.Equal(3, e.Message.Split("; ").Length);
    }

    [Theory]
    [InlineData("model: ~\n", "model (--model) must have a value (the config file leaves it empty)")]
    [InlineData("model:\n", "model (--model) must have a value (the config file leaves it empty)")]
    [InlineData("norm: ~\n", "norm (--norm) must have a value (the config file leaves it empty)")]
    [InlineData("feed_forward: -1\n", "feed_forward (--feed-forward) must be at least 1, got -1")]
    [InlineData("vocab_size: 200000000\n", "vocab_size (--vocab-size) must be at most 10,000,000, got 200,000,000")]
    public void BadYamlSetting_IsOneLine_AndLeavesNoRunFolder(string yaml, string message)
    {
        var config = _d.Write("c.yaml", yaml);
        Assert.Equal("error: " + message, CliRunner.Fails(Train("--config", config)));
        Assert.False(Directory.Exists(_d.File("run")));
    }

    [Fact]
    public void InvalidModelSettings_LeaveNoRunFolderOrTokenizerFiles()
    {
        Assert.Equal("error: the model settings: d_model (10) must be divisible by heads (3)", CliRunner.Fails(Train("--d-model", "10", "--heads", "3")));
        Assert.False(Directory.Exists(_d.File("run")));
        Assert.Equal("error: the model settings: d_model 100,000 is more than 65,536", CliRunner.Fails(Train("--d-model", "100000", "--heads", "1")));
        Assert.False(Directory.Exists(_d.File("run")));
    }

    [Fact]
    public void ModelFromAPipe_NeedsASeekableFile()
    {
        var fifo = _d.File("model.pipe");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", fifo)!) { mk.WaitForExit(); Assert.Equal(0, mk.ExitCode); }
        Assert.Equal($"error: {fifo}: a model needs a seekable file, not a pipe or a device: save it to a file first", CliRunner.Fails("info", fifo));
    }
}
