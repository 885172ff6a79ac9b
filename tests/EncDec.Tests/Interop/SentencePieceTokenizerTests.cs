using System.Text.Json;
using EncDec.Interop.Text;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Interop;

/// <summary>
/// SentencePiece models trained by tests/fixtures/interop/make_spm_fixtures.py (python3-sentencepiece), read through
/// Microsoft.ML.Tokenizers: on 3,000 lines in seven scripts with unknown characters, the ids are SentencePiece's (under the
/// documented id mapping) and decode(encode(x)) is SentencePiece's detokenisation.
/// </summary>
[Collection(EncDec.Tests.Cli.CliCollection.Name)]
public sealed class SentencePieceTokenizerTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "interop", "spm", name);

    private static IEnumerable<JsonElement> Expected()
    {
        foreach (var line in File.ReadLines(Fixture("expected.jsonl")))
            yield return JsonDocument.Parse(line).RootElement;
    }

    [Theory]
    [InlineData("bpe")]
    [InlineData("unigram")]
    public void Ids_and_detokenisation_equal_sentencepiece(string kind)
    {
        var tok = SentencePieceTokenizer.Open(Fixture(kind + ".model"));
        int lines = 0, withUnknown = 0, nonLatin = 0, outsideBmp = 0;
        foreach (var row in Expected())
        {
            string text = row.GetProperty("text").GetString()!;
            var expected = row.GetProperty(kind).EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var ids = tok.Encode(text);
            lines++;
            if (ids.Contains(Vocabulary.UnkId)) withUnknown++;
            if (text.Any(c => c > 0x2FF)) nonLatin++;
            // Mathematical Fraktur letters (U+1D518…, outside the BMP) are mapped to ASCII letters by the model's NFKC map
            if (text.Any(char.IsSurrogate) && text.Contains('\uD835')) outsideBmp++;
            Assert.True(expected.SequenceEqual(ids.Select(tok.ToSentencePieceId)),
                        $"{kind}: '{text}': [{string.Join(' ', ids.Select(tok.ToSentencePieceId))}] vs [{string.Join(' ', expected)}]");
            Assert.Equal(row.GetProperty(kind + "_decoded").GetString(), tok.Decode(ids));
        }
        Assert.Equal(3000, lines);
        Assert.True(outsideBmp > 100, $"{kind}: only {outsideBmp} lines with Fraktur letters");
        Assert.True(withUnknown > 200 && nonLatin > 1400, $"{withUnknown} lines with unknowns, {nonLatin} non-Latin");
    }

    [Fact]
    public void The_models_nfkc_map_normalises_like_sentencepiece()
    {
        // python3-sentencepiece 0.1.97 on bpe.model: '𝔘𝔫𝔦' → ▁Uni, 'ｱ' (half-width katakana) → ア, 'ﬁ' → fi, '①' → 1
        var map = SentencePieceCharsMap.FromModel(File.ReadAllBytes(Fixture("bpe.model")))!;
        Assert.Equal("Uni ア fi 1 dog", map.Normalize("𝔘𝔫𝔦 ｱ ﬁ ① dog"));
        Assert.Equal("собака 狗 สุนัข", map.Normalize("собака 狗 สุนัข"));
        Assert.Throws<FormatException>(() => SentencePieceCharsMap.Parse(new byte[] { 255, 255, 0, 0, 1, 2, 3, 4 }));
    }

    [Fact]
    public void Train_and_translate_with_spm_tokenizers_from_the_command_line()
    {
        using var dir = new TempDir();
        var texts = Expected().Take(40).Select(r => r.GetProperty("text").GetString()!).ToArray();
        string src = dir.Write("s.txt", string.Join('\n', texts) + "\n"), tgt = dir.Write("t.txt", string.Join('\n', texts.Reverse()) + "\n");
        Cli.CliRunner.Ok("train", "--train-src", src, "--train-tgt", tgt, "--src-tokenizer", "spm:" + Fixture("bpe.model"), "--tgt-tokenizer", "spm:" + Fixture("unigram.model"),
                         "--model", "transformer", "--d-model", "16", "--heads", "2", "--feed-forward", "16", "--layers", "1", "--max-steps", "2", "--batch-size", "8",
                         "--out", dir.File("run"));
        var info = Cli.CliRunner.Ok("info", dir.File("run"));
        Assert.Contains("sentencepiece", info.Stdout);
        Cli.CliRunner.Ok("translate", "--model", dir.File("run"), "--input", src, "--max-len", "4");
        var bad = Cli.CliRunner.Run("tokenizer", "encode", "--tokenizer", "spm:" + src);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("not a SentencePiece model", bad.Stderr);
    }

    [Fact]
    public void Spm_prefix_loads_and_the_saved_json_restores_the_same_tokenizer()
    {
        SentencePieceTokenizer.Register();
        var tok = Tokenizer.Load("spm:" + Fixture("unigram.model"));
        Assert.Equal(TokenizerKind.SentencePiece, tok.Kind);
        Assert.Equal(Vocabulary.UnkId, tok.Encode("สุนัข")[^1]);
        var back = Tokenizer.FromJson(tok.ToJson(), "checkpoint");
        const string text = "Zwei Männer spielen Fußball 🙂 собака 狗";
        Assert.Equal(tok.Encode(text), back.Encode(text));
        Assert.Equal(tok.Vocab.Count, back.Vocab.Count);
        var err = Assert.Throws<UserInputException>(() => Tokenizer.Load("spm:" + Fixture("missing.model")));
        Assert.Contains("missing.model", err.Message);
    }
}
