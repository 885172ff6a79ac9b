using System.Text;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Text;

/// <summary>Tokenizer files are checked at load: no empty or duplicate tokens, the specials in place, control tokens usable.</summary>
public sealed class TokenizerFileTests
{
    private static string File(string kind, int controls, params string[] tokens)
        => $"{{\"format\":\"encdec-tokenizer\",\"version\":1,\"kind\":\"{kind}\",\"controlTokenCount\":{controls},\"tokens\":[" +
           string.Join(',', tokens.Select(t => System.Text.Json.JsonSerializer.Serialize(t))) + "]}";

    private static readonly string[] Specials = ["<pad>", "<s>", "</s>", "<unk>", "<mask>"];

    private static string Rejects(string json, string fragment)
    {
        var e = Assert.Throws<UserInputException>(() => Tokenizer.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)), "tok.json"));
        Assert.StartsWith("tok.json", e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Fact]
    public void An_empty_control_token_is_refused_at_load_instead_of_hanging_encode()
    {
        Rejects(File("char", 1, [.. Specials, "", "a"]), "token 5 is empty");
        Rejects(File("word", 0, [.. Specials, "\u2581", ""]), "token 6 is empty");
    }

    [Fact]
    public void Duplicates_missing_specials_and_bad_counts_are_refused()
    {
        Rejects(File("char", 0, [.. Specials, "a", "b", "a"]), "token 7 'a' is a duplicate of token 5");
        Rejects(File("char", 0, "<pad>", "<s>", "<unk>", "</s>", "<mask>"), "token 2 must be the special token '</s>'");
        Rejects(File("char", 0, "<pad>"), "does not fit in the 1 tokens");
        Rejects(File("char", 3, [.. Specials, "<a>"]), "controlTokenCount 3 does not fit");
        Rejects(File("char", -1, [.. Specials]), "negative");
        Rejects(File("char", 1, [.. Specials, "<a b>"]), "contains whitespace");
        Rejects(File("word", 0, [.. Specials, "a"]), "space marker");
        Rejects(File("char", 0, [.. Specials, "x"]).Replace("\"x\"", "\"\\ud800\""), "corrupt tokenizer file"); // a lone surrogate escape
        Rejects("{\"format\":\"encdec-tokenizer\",\"version\":1,\"kind\":\"char\",\"controlTokenCount\":0,\"tokens\":[\"<pad>\",1]}", "not a string");
        string m = Rejects("{\"format\":\"encdec-tokenizer\",\n\"version\":1,\n\"kind\": }", "corrupt tokenizer file");
        Assert.StartsWith("tok.json:3: ", m); // JSON errors carry the line
    }

    [Fact]
    public void Bpe_merges_outside_the_vocabulary_are_refused()
    {
        var tok = BpeTokenizer.Train(["abab abab"], 300);
        string json = tok.ToJson();
        int at = json.IndexOf("\"merges\"", StringComparison.Ordinal);
        string broken = json[..at] + "\"merges\": [[1, 2, 999999]]}";
        Rejects(broken, "invalid token id");
    }

    [Fact]
    public void Encoding_always_advances_even_when_a_tokenizer_was_built_with_odd_controls()
    {
        // the empty control cannot be built through the public API any more; check progress on long control-heavy input
        var tok = CharTokenizer.Train(["ab"], 0, 1, ["<x>", "<x><y>", "<y>"]);
        var ids = tok.Encode(string.Concat(Enumerable.Repeat("<x><y>a<y>", 2000)));
        Assert.Equal(3 * 2000, ids.Length);
    }

    [Fact]
    public void Cli_tokenizer_encode_and_train_refuse_an_empty_control_token_in_one_line()
    {
        using var dir = new TempDir();
        var tok = dir.Write("tok.json", File("char", 1, [.. Specials, "", "a"]));
        var src = dir.Write("s.txt", "a\n");
        string line = Cli.CliRunner.Fails("tokenizer", "encode", "--tokenizer", tok);
        Assert.Equal($"error: {tok}: token 5 is empty", line);
        line = Cli.CliRunner.Fails("train", "--train-src", src, "--train-tgt", src, "--src-tokenizer", tok, "--tgt-tokenizer", tok,
            "--out", dir.File("run"), "--max-steps", "1");
        Assert.Contains("token 5 is empty", line);
    }

    [Fact]
    public void A_folder_is_not_a_tokenizer_file()
    {
        using var dir = new TempDir();
        Assert.Contains("is a folder", Assert.Throws<UserInputException>(() => Tokenizer.Load(dir.Path)).Message);
    }
}
