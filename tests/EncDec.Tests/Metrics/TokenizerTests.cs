using EncDec.Metrics;
using Xunit;

namespace EncDec.Tests.Metrics;

public class TokenizerTests
{
    [Theory]
    // Sentence-final period splits; a decimal point between digits does not.
    [InlineData("The end.", "The end .")]
    [InlineData("It costs 3.14 dollars.", "It costs 3.14 dollars .")]
    [InlineData("costs 5.", "costs 5 .")]          // period after a digit still splits when a non-digit follows
    [InlineData(".5 percent", ". 5 percent")]     // leading period: the pad space is a non-digit before it
    // Commas: kept inside numbers, split elsewhere.
    [InlineData("1,000 people, a, b", "1,000 people , a , b")]
    [InlineData("$5.00, 10%", "$ 5.00 , 10 %")]
    // Dashes: split only after a digit.
    [InlineData("well-known 1990-2000", "well-known 1990 - 2000")]
    [InlineData("x-ray 3-4 a--b", "x-ray 3 - 4 a--b")]
    // Symbols of the first rule; the apostrophe (0x27) is not one of them.
    [InlineData("don't stop", "don't stop")]
    [InlineData("a/b @user [x] {y} (z) ~q_r", "a / b @ user [ x ] { y } ( z ) ~ q _ r")]
    [InlineData("\"Hi\"", "\" Hi \"")]
    // Entities are unescaped (sequentially, so &amp;lt; ends as <) before the symbol rule runs.
    [InlineData("&quot;Hi&quot; &amp; bye", "\" Hi \" & bye")]
    [InlineData("&amp;lt;", "<")]
    [InlineData("a&lt;b&gt;c", "a < b > c")]
    // Abbreviations: every period followed by a non-digit splits.
    [InlineData("e.g. U.S.A.", "e . g . U . S . A .")]
    [InlineData("<skipped>foo", "foo")]
    [InlineData("multi-\nline\nbreak", "multiline break")]
    // Python whitespace: NBSP, ideographic space, and U+001F (whitespace for Python, not for .NET) all separate.
    [InlineData("a\u00A0b\u3000c\u001Fd", "a b c d")]
    [InlineData("  spaced   out  ", "spaced out")]
    [InlineData("", "")]
    public void Tokenizer13a_matches_mteval_rules(string input, string expected)
        => Assert.Equal(expected, Tokenizer13a.Tokenize(input));

    [Fact]
    public void Zero_width_space_is_not_whitespace()
        => Assert.Equal("a\u200Bb", Tokenizer13a.Tokenize("a\u200Bb"));

    [Fact]
    public void Char_tokenizer_separates_code_points()
    {
        Assert.Equal("a b   c", BleuTokenizers.TokenizeChars("ab c"));
        // An astral character stays one token.
        Assert.Equal("x \U0001F600 y", BleuTokenizers.TokenizeChars("x\U0001F600y"));
        Assert.Equal(new[] { "a", "b", "c" }, Bleu.Preprocess("ab c", new BleuOptions { Tokenize = BleuTokenize.Char }));
    }

    [Fact]
    public void None_tokenizer_only_splits_on_whitespace()
        => Assert.Equal(new[] { "Hello,", "world." }, Bleu.Preprocess("Hello, world.", new BleuOptions { Tokenize = BleuTokenize.None }));

    [Theory]
    [InlineData("13a", BleuTokenize.V13a)]
    [InlineData("none", BleuTokenize.None)]
    [InlineData("CHAR", BleuTokenize.Char)]
    public void Parse_names(string name, BleuTokenize expected)
    {
        Assert.Equal(expected, BleuTokenizers.Parse(name));
        Assert.Equal(name.ToLowerInvariant(), expected.Name());
    }

    [Fact]
    public void Parse_rejects_unknown() => Assert.Throws<ArgumentException>(() => BleuTokenizers.Parse("intl"));

    [Theory]
    [InlineData("ΟΔΟΣ", "οδος")]       // word-final capital sigma → ς
    [InlineData("ΣΑ", "σα")]           // initial sigma stays σ
    [InlineData("İx", "i\u0307x")]     // Python's full mapping of U+0130
    [InlineData("ÀB", "àb")]
    public void Python_lower(string input, string expected) => Assert.Equal(expected, PyText.Lower(input));

    [Theory]
    [InlineData(6.25, 1, "6.2")]     // exact tie → half to even (Python), not away from zero
    [InlineData(0.125, 2, "0.12")]
    [InlineData(2.675, 2, "2.67")]   // binary value is just below the tie
    [InlineData(0.0005, 3, "0.001")] // binary value is just above the tie
    [InlineData(1.0, 3, "1.000")]
    [InlineData(100.0, 2, "100.00")]
    [InlineData(0.0, 2, "0.00")]
    [InlineData(32.4999, 2, "32.50")]
    public void Python_fixed_format(double v, int digits, string expected) => Assert.Equal(expected, PyText.FormatFixed(v, digits));
}
