using CsCheck;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Properties;

/// <summary>decode(encode(x)) is x, or x with the documented normalisation, for random Unicode text.</summary>
public sealed class TokenizerRoundTripProperties
{
    private static readonly string[] Training =
        ["the cat sat on the mat", "ein kleiner Hund läuft", "собака бежит", "東京は晴れ", "مرحبا بالعالم", "नमस्ते दुनिया", "👍🏽 ok!"];

    private static readonly BpeTokenizer Bpe = BpeTokenizer.Train(Training.Concat(Training), 330);

    [Fact]
    public void Bpe_round_trips_every_well_formed_string_exactly()
    {
        Assert.True(Bpe.Merges.Count > 0);
        PropertyGens.Text(withMarker: true).Array[300].Sample(texts =>
        {
            foreach (var x in texts)
            {
                var ids = Bpe.Encode(x);
                Assert.All(ids, id => Assert.InRange(id, 0, Bpe.Vocab.Count - 1));
                Assert.Equal(x, Bpe.Decode(ids));
            }
        }, seed: PropertyGens.Seed, iter: 1, threads: 1);
    }

    [Fact]
    public void Char_round_trips_known_text_and_writes_unk_for_unknown_elements()
    {
        var gen = Gen.Select(PropertyGens.Text(withMarker: true).Array[1, 4], PropertyGens.Text(withMarker: true));
        gen.Array[100].Sample(cases =>
        {
            foreach (var (seen, other) in cases)
            {
                var tok = CharTokenizer.Train(seen, 0);
                foreach (var x in seen) Assert.Equal(x, tok.Decode(tok.Encode(x)));
                string expected = string.Concat(PropertyGens.Elements(other)
                    .Select(e => tok.Vocab.TryGetId(e, out int id) && !tok.Vocab.IsSpecialOrControl(id) ? e : "<unk>"));
                Assert.Equal(expected, tok.Decode(tok.Encode(other)));
            }
        }, seed: PropertyGens.Seed, iter: 1, threads: 1);
    }

    [Fact]
    public void Word_round_trips_text_made_of_known_pieces()
    {
        PropertyGens.Text(withMarker: false).Array[1, 4].Array[100].Sample(cases =>
        {
            foreach (var seen in cases)
            {
                var tok = WordTokenizer.Train(seen, 0);
                foreach (var x in seen) Assert.Equal(x, tok.Decode(tok.Encode(x)));
                // their concatenation with single spaces re-uses only known pieces when each line starts with a word
                Assert.All(tok.Encode(string.Concat(seen)), id => Assert.InRange(id, 0, tok.Vocab.Count - 1));
            }
        }, seed: PropertyGens.Seed, iter: 1, threads: 1);
    }

    [Fact]
    public void Control_tokens_are_single_ids_and_round_trip_around_text()
    {
        var tok = Tokenizer.Train(TokenizerKind.Bpe, Training, 330, 1, ["<2fr>", "<up>"]);
        int fr = tok.Vocab.TryGetId("<2fr>", out int f) ? f : -1;
        PropertyGens.Text(withMarker: true).Array[100].Sample(texts =>
        {
            foreach (var x in texts)
            {
                var ids = tok.Encode("<2fr>" + x);
                Assert.Equal(fr, ids[0]);
                Assert.Equal(x, tok.Decode(ids)); // control tokens decode to nothing
            }
        }, seed: PropertyGens.Seed, iter: 1, threads: 1);
    }
}
