using EncDec.Generation;
using Xunit;

namespace EncDec.Tests.Cli;

/// <summary>
/// <c>translate</c> with hostile flags and inputs: every bad generation flag named in one line before the model is loaded
/// or any file written; over-long input lines truncated with a counted warning or rejected with their line number;
/// NaN weights refused (and reported by <c>info</c>).
/// </summary>
[Collection(CliCollection.Name)]
public class TranslateHardeningTests : IDisposable
{
    private readonly TempDir _d = new();
    private readonly string _input;

    public TranslateHardeningTests() => _input = _d.Write("in.txt", string.Join('\n', CliHardeningKit.Lines) + "\n");

    public void Dispose() => _d.Dispose();

    private string Model(int maxPositions = 1024) => CliHardeningKit.Model(_d.File("model/model.safetensors"), maxPositions);

    [Theory]
    [InlineData("error: --temperature: must be a finite number greater than 0, got 0", "--temperature", "0")]
    [InlineData("error: --top-p: must be in (0, 1] (1 = off), got 0", "--top-p", "0")]
    [InlineData("error: --top-p: must be in (0, 1] (1 = off), got 1.5", "--top-p", "1.5")]
    [InlineData("error: --max-len: must not be negative, got -1", "--max-len", "-1")]
    [InlineData("error: --typical-p: must be in (0, 1] (1 = off), got 0", "--typical-p", "0")]
    [InlineData("error: --min-p: must be in [0, 1] (0 = off), got 2", "--min-p", "2")]
    [InlineData("error: --top-k: must not be negative (0 = off), got -3", "--top-k", "-3")]
    [InlineData("error: --repetition-penalty: must be a finite number greater than 0 (1 = off), got 0", "--repetition-penalty", "0")]
    [InlineData("error: --no-repeat-ngram: must not be negative (0 = off), got -1", "--no-repeat-ngram", "-1")]
    [InlineData("error: --batch-size must be at least 1, got 0", "--batch-size", "0")]
    [InlineData("error: --beam must be at least 1, got 0", "--beam", "0")]
    [InlineData("error: --too-long: unknown policy 'chop' (expected truncate or reject)", "--too-long", "chop")]
    public void BadGenerationFlag_IsNamed_BeforeAnythingIsLoadedOrWritten(string expected, string flag, string value)
    {
        var output = _d.File("out/hyp.txt");
        Directory.CreateDirectory(_d.File("out"));
        // the model path does not even exist: the flag is checked first
        Assert.Equal(expected, CliRunner.Fails("translate", "--model", _d.File("no-model"), "--input", _input, "--output", output, flag, value));
        Assert.Empty(CliHardeningKit.Entries(_d.File("out")));
    }

    [Fact]
    public void SampleWithConstraints_IsRefused()
    {
        var cons = _d.Write("cons.tsv", "a\nb\nc\n");
        Assert.Equal("error: --constraints need beam search: drop --sample (or --constraints)",
                     CliRunner.Fails("translate", "--model", Model(), "--input", _input, "--sample", "--constraints", cons));
    }

    [Fact]
    public void GenerationOptionsValidate_NamesTheProperty()
    {
        var e = Assert.Throws<InvalidSettingException>(() => new GenerationOptions { TopP = 1.5f }.Validate());
        Assert.Equal("TopP", e.Setting);
        Assert.Equal("TopP: must be in (0, 1] (1 = off), got 1.5", e.Message);
        Assert.IsAssignableFrom<UserInputException>(e);
        new GenerationOptions().Validate();   // the defaults are valid
        Assert.Equal(["Temperature", "TopP"], new GenerationOptions { Temperature = 0, TopP = 0 }.Problems().Select(p => p.Setting));
        Assert.Equal("RequiredPhrases", Assert.Single(new GenerationOptions { Strategy = DecodingStrategy.Sample, RequiredPhrases = [[3]] }.Problems()).Setting);
    }

    [Fact]
    public void TooLongLine_IsTruncatedWithACountedWarning()
    {
        // a 300,000-token line: cut to the model's 14 source positions, never a 300,000² attention matrix
        var input = _d.Write("long.txt", "a b\n" + string.Concat(Enumerable.Repeat("a", 300_000)) + "\n" + string.Concat(Enumerable.Repeat("b", 20)) + "\n");
        var r = CliRunner.Run("translate", "--model", Model(maxPositions: 16), "--input", input, "--max-len", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(3, r.Stdout.Split('\n', StringSplitOptions.None).Length - 1);
        Assert.Equal("warning: 2 input lines were longer than the 14 tokens the model takes and were cut to that length (--too-long reject refuses them)",
                     Assert.Single(r.ErrorLines));
    }

    [Fact]
    public void TooLongLine_Rejected_NamesTheLine_AndWritesNothing()
    {
        var input = _d.Write("long.txt", "a b\nd e\n" + string.Join(" ", Enumerable.Repeat("a", 1200)) + "\n");
        var output = _d.File("hyp.txt");
        Assert.Equal($"error: {input}:3: 2,399 tokens, more than the 1,022 the model takes (--too-long truncate cuts such lines)",
                     CliRunner.Fails("translate", "--model", Model(), "--input", input, "--output", output, "--too-long", "reject"));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void NaNWeights_InfoReportsThem_TranslateRefuses()
    {
        var path = CliHardeningKit.Model(_d.File("nan/model.safetensors"), edit: m =>
        {
            var (_, w) = m.NamedParameters().First(p => p.Name == "generator.bias");
            w.Span[0] = float.NaN;
            m.NamedParameters().First(p => p.Name == "generator.weight").Param.Span[3] = float.PositiveInfinity;
        });
        var info = CliRunner.Ok("info", path);
        Assert.Matches(@"weights\s+2 of \d+ weight tensors hold NaN or infinite values \(first: generator\.\w+\): the training diverged", info.Stdout);
        var output = _d.File("hyp.txt");
        var line = CliRunner.Fails("translate", "--model", path, "--input", _input, "--output", output);
        Assert.Matches($@"^error: {System.Text.RegularExpressions.Regex.Escape(path)}: 2 of \d+ weight tensors hold NaN or infinite values \(first: generator\.\w+\): the training diverged; use an earlier checkpoint$", line);
        Assert.False(File.Exists(output));
        Assert.Contains("all finite", CliRunner.Ok("info", Model()).Stdout);
    }
}
