using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Text;

public class TokenizerTests
{
    public static readonly string[] Samples =
    [
        "Héllo, wörld! Ça va? naïve café résumé",
        "日本語のテキスト、漢字。中文测试",
        "emoji 👍🏽 👨‍👩‍👧 🎉!",
        "  leading and trailing  ",
        "tabs\there\t\tand  double   spaces",
        "punctuation: (a), [b]; {c}... \"quoted\" 'single' — dash – 1,234.56%",
        "",
        " ",
        "combining e\u0301 a\u0308 and ǅ",
        "mixed123abc 4.5e-3 x=y+z",
        "line\nbreak\r\nwindows\u00A0nbsp",
    ];

    private static readonly string[] Tricky =
    [
        "literal ▁ marker ▁▁x and <0x41> <pad> </s> text",
        "unseen: Ωmega ∑ 𝄞 ꙮ Привет مرحبا",
        "\t\t  \t",
    ];

    [Fact]
    public void Vocabulary_HasFixedSpecialsThenControlsThenByFrequency()
    {
        var v = Vocabulary.Build(["b", "a", "c", "a", "b", "d", "a"], minFreq: 1, maxSize: 0, controlTokens: ["<2fr>", "<sep>"]);
        Assert.Equal(["<pad>", "<s>", "</s>", "<unk>", "<mask>", "<2fr>", "<sep>", "a", "b", "c", "d"], v.Tokens);
        Assert.Equal(2, v.ControlCount);
        Assert.True(v.IsControl(5));
        Assert.True(v.IsSpecialOrControl(6));
        Assert.False(v.IsSpecialOrControl(7));
        Assert.Equal(Vocabulary.UnkId, v.GetIdOrUnk("zzz"));
        var small = Vocabulary.Build(["b", "a", "c", "a", "b", "d", "a"], minFreq: 2, maxSize: 6, controlTokens: null);
        Assert.Equal(["<pad>", "<s>", "</s>", "<unk>", "<mask>", "a"], small.Tokens);
    }

    [Theory]
    [InlineData(TokenizerKind.Char)]
    [InlineData(TokenizerKind.Word)]
    [InlineData(TokenizerKind.Bpe)]
    public void RoundTrip_OnTrainingText(TokenizerKind kind)
    {
        var tok = Tokenizer.Train(kind, Samples, vocabSize: kind == TokenizerKind.Bpe ? 600 : 0);
        foreach (var s in Samples)
        {
            var ids = tok.Encode(s);
            Assert.DoesNotContain(Vocabulary.UnkId, ids);
            Assert.Equal(s, tok.Decode(ids));
        }
    }

    [Fact]
    public void Bpe_RoundTripsAnyString_WithByteFallback()
    {
        var tok = BpeTokenizer.Train(Samples, 600);
        foreach (var s in Samples.Concat(Tricky))
        {
            var ids = tok.Encode(s);
            Assert.DoesNotContain(Vocabulary.UnkId, ids);
            Assert.Equal(s, tok.Decode(ids));
        }
        // 'Ω' (U+03A9) was never seen: it becomes its two UTF-8 bytes.
        var omega = tok.Encode("Ω");
        Assert.Equal([tok.Vocab.FirstOrdinaryId + 0xCE, tok.Vocab.FirstOrdinaryId + 0xA9], omega);
        Assert.Equal("<0xCE>", tok.Vocab[omega[0]]);
        // A literal marker character goes through bytes too, so it never turns into a space.
        var lit = tok.Encode("▁");
        Assert.Equal(["<0xE2>", "<0x96>", "<0x81>"], lit.Select(i => tok.Vocab[i]));
    }

    [Fact]
    public void Bpe_LearnsExpectedMerges_OnTinyCorpus()
    {
        // Words: "ab" ×1, "▁ab" ×2, "abc" ×1 → pairs (a,b)=4, (▁,a)=2, (b,c)=1.
        var tok = BpeTokenizer.Train(["ab ab ab", "abc"], 1000);
        Assert.Equal(["a b", "▁ ab"], tok.MergeStrings);
        // Layout: 5 specials, 256 bytes (5..260), marker 261, alphabet a,b (count 4, ordinal tie-break), c, then merges.
        Assert.Equal(261, tok.Vocab.TryGetId("▁", out int m) ? m : -1);
        Assert.Equal(["a", "b", "c", "ab", "▁ab"], tok.Vocab.Tokens.Skip(262));
        Assert.Equal([new BpeMerge(262, 263, 265), new BpeMerge(261, 265, 266)], tok.Merges);
        Assert.Equal([265, 266, 264], tok.Encode("ab abc"));
        Assert.Equal("ab abc", tok.Decode([265, 266, 264]));

        var capped = BpeTokenizer.Train(["ab ab ab", "abc"], 266);
        Assert.Equal(["a b"], capped.MergeStrings);
        Assert.Equal(266, capped.Vocab.Count);
    }

    [Fact]
    public void Bpe_TiesBrokenByOrdinalText()
    {
        // (x,y) and (y,z) both occur twice; "x" < "y" so x+y merges first.
        var tok = BpeTokenizer.Train(["xy yz xy yz"], 1000, new BpeOptions { MinFrequency = 2 });
        Assert.Equal("x y", tok.MergeStrings.First(s => !s.StartsWith('▁')));
    }

    [Fact]
    public void Bpe_TooSmallVocab_IsUserError()
        => Assert.Throws<UserInputException>(() => BpeTokenizer.Train(["abc"], 100));

    [Fact]
    public void Word_UnknownWordsBecomeUnk_KeepingTheSpace()
    {
        var tok = WordTokenizer.Train(["hello world", "hello  there!"], 0);
        var ids = tok.Encode("hello planet!");
        Assert.Equal(Vocabulary.UnkId, ids[2]);
        Assert.Equal("▁", tok.Vocab[ids[1]]);
        Assert.Equal("hello <unk>!", tok.Decode(ids));
        Assert.Equal(["hello", "▁world"], tok.Encode("hello world").Select(i => tok.Vocab[i]));
        Assert.Equal(["hello", "▁", "▁there", "!"], tok.Encode("hello  there!").Select(i => tok.Vocab[i]));
    }

    [Fact]
    public void Char_KeepsEmojiAndSurrogatesWhole()
    {
        var tok = CharTokenizer.Train(["a👍🏽b𝄞"], 0);
        var ids = tok.Encode("𝄞👍🏽a");
        Assert.Equal(3, ids.Length);
        Assert.Equal("𝄞👍🏽a", tok.Decode(ids));
        Assert.Equal([Vocabulary.UnkId], tok.Encode("z"));
    }

    [Theory]
    [InlineData(TokenizerKind.Char)]
    [InlineData(TokenizerKind.Word)]
    [InlineData(TokenizerKind.Bpe)]
    public void ControlTokens_AreRecognizedAndSkippedOnDecode(TokenizerKind kind)
    {
        var tok = Tokenizer.Train(kind, ["hello world"], kind == TokenizerKind.Bpe ? 400 : 0, controlTokens: ["<2fr>", "<sep>"]);
        var ids = tok.Encode("<2fr>hello<sep> world");
        Assert.Equal(5, ids[0]);
        Assert.Contains(6, ids);
        Assert.Equal("hello world", tok.Decode(ids));
        Assert.DoesNotContain(Vocabulary.UnkId, ids);
        Assert.Equal("hello", tok.Decode([Vocabulary.BosId, .. tok.Encode("hello"), Vocabulary.EosId, Vocabulary.PadId]));
    }

    [Theory]
    [InlineData(TokenizerKind.Char)]
    [InlineData(TokenizerKind.Word)]
    [InlineData(TokenizerKind.Bpe)]
    public void SaveLoad_GivesAnEqualTokenizer(TokenizerKind kind)
    {
        using var dir = new TempDir();
        var tok = Tokenizer.Train(kind, Samples, kind == TokenizerKind.Bpe ? 600 : 0, controlTokens: ["<2de>"]);
        string path = dir.File("tok.json");
        tok.Save(path);
        var loaded = Tokenizer.Load(path);
        Assert.Equal(kind, loaded.Kind);
        Assert.Equal(tok.Vocab.Tokens, loaded.Vocab.Tokens);
        Assert.Equal(tok.Vocab.ControlCount, loaded.Vocab.ControlCount);
        if (tok is BpeTokenizer b) Assert.Equal(b.Merges, ((BpeTokenizer)loaded).Merges);
        foreach (var s in Samples.Concat(Tricky)) Assert.Equal(tok.Encode(s), loaded.Encode(s));
    }

    [Fact]
    public void Load_MissingOrCorruptFile_IsUserErrorNamingTheFile()
    {
        using var dir = new TempDir();
        var missing = dir.File("nope.json");
        var e1 = Assert.Throws<UserInputException>(() => Tokenizer.Load(missing));
        Assert.Contains(missing, e1.Message);
        foreach (var (name, text) in new[] { ("bad.json", "{not json"), ("other.json", "{\"a\":1}"),
                     ("trunc.json", "{\"format\":\"encdec-tokenizer\",\"version\":1,\"kind\":\"bpe\",\"controlTokenCount\":0,\"tokens\":[\"<pad>\"]}") })
        {
            var p = dir.Write(name, text);
            var e = Assert.Throws<UserInputException>(() => Tokenizer.Load(p));
            Assert.Contains(p, e.Message);
        }
    }
}

public class BpeFuzzTests
{
    private static string RandomText(Random rng, int maxLen)
    {
        int[][] ranges = [[0x20, 0x7E], [0x09, 0x0A], [0x20, 0x20], [0xC0, 0x17F], [0x4E00, 0x4E40], [0x1F300, 0x1F64F], [0x2581, 0x2581], [0x0300, 0x036F], [0x3000, 0x3000]];
        var sb = new System.Text.StringBuilder();
        int n = rng.Next(maxLen + 1);
        for (int i = 0; i < n; i++)
        {
            var r = ranges[rng.Next(ranges.Length)];
            sb.Append(char.ConvertFromUtf32(rng.Next(r[0], r[1] + 1)));
        }
        return sb.ToString();
    }

    [Fact]
    public void RandomUnicode_RoundTripsExactly()
    {
        var rng = new Random(99);
        var train = Enumerable.Range(0, 300).Select(_ => RandomText(rng, 40)).ToList();
        var tok = BpeTokenizer.Train(train, 700);
        for (int i = 0; i < 1500; i++)
        {
            string s = RandomText(rng, 120);
            var ids = tok.Encode(s);
            Assert.DoesNotContain(Vocabulary.UnkId, ids);
            Assert.Equal(s, tok.Decode(ids));
        }
        // A long run of unseen characters (many consecutive byte tokens) decodes exactly.
        string unseen = string.Concat(Enumerable.Repeat("ꙮ𓀀", 100));
        Assert.Equal(unseen, tok.Decode(tok.Encode(unseen)));
    }

    [Fact]
    public void FrequentWords_BecomeSingleTokens()
    {
        var lines = Enumerable.Repeat("the quick brown fox jumps over the lazy dog", 50).ToList();
        var tok = BpeTokenizer.Train(lines, 400);
        Assert.Equal(["▁quick"], tok.Encode(" quick").Select(i => tok.Vocab[i]));
        Assert.Equal(["the", "▁lazy", "▁dog"], tok.Encode("the lazy dog").Select(i => tok.Vocab[i]));
    }
}
