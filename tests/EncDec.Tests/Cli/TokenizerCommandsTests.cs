using EncDec.Cli.Commands;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Cli;

public class TokenizerCommandsTests
{
    [Theory]
    [InlineData(TokenizerKind.Bpe, 400)]
    [InlineData(TokenizerKind.Word, 100)]
    [InlineData(TokenizerKind.Char, 100)]
    public void TrainEncodeDecode_RoundTrips(TokenizerKind kind, int vocab)
    {
        using var d = new TempDir();
        var a = d.Write("a.txt", "the cat sat on the mat\nthe dog  sat\n");
        var b = d.Write("b.txt", "le chat\tle chien\n");
        var tok = d.File("out/tok.json");
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.Equal(0, TokenizerCommands.Train(kind, vocab, [a, b], tok, o, e));
        Assert.Equal("", e.ToString());
        Assert.Contains("3 lines", o.ToString());

        const string text = "the cat sat\nle chien  sat\n";
        var encoded = new StringWriter();
        Assert.Equal(0, TokenizerCommands.Encode(tok, new StringReader(text), encoded, e));
        var decoded = new StringWriter();
        Assert.Equal(0, TokenizerCommands.Decode(tok, new StringReader(encoded.ToString()), decoded, e));
        Assert.Equal(text.Replace("\n", Environment.NewLine), decoded.ToString());
    }

    [Fact]
    public void Errors_AreOneLineWithExitCode1()
    {
        using var d = new TempDir();
        var e = new StringWriter();
        Assert.Equal(1, TokenizerCommands.Train(TokenizerKind.Bpe, 400, [d.File("missing.txt")], d.File("t.json"), TextWriter.Null, e));
        Assert.Contains("missing.txt: file not found", e.ToString());
        var bad = d.WriteBytes("bad.txt", [(byte)'a', (byte)'\n', 0xFF, (byte)'\n']);
        e = new StringWriter();
        Assert.Equal(1, TokenizerCommands.Train(TokenizerKind.Char, 10, [bad], d.File("t.json"), TextWriter.Null, e));
        Assert.Contains("bad.txt:2: invalid UTF-8", e.ToString());

        var tok = d.File("t2.json");
        Assert.Equal(0, TokenizerCommands.Train(TokenizerKind.Char, 10, [d.Write("ok.txt", "abc\n")], tok, TextWriter.Null, TextWriter.Null));
        e = new StringWriter();
        Assert.Equal(1, TokenizerCommands.Decode(tok, new StringReader("5 6\n7 x\n"), TextWriter.Null, e));
        Assert.Contains("<stdin>:2: 'x' is not a token id", e.ToString());
        e = new StringWriter();
        Assert.Equal(1, TokenizerCommands.Decode(tok, new StringReader("999\n"), TextWriter.Null, e));
        Assert.Contains("outside the vocabulary", e.ToString());
    }
}
