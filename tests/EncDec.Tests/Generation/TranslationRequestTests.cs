using EncDec.Generation;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Tests.Models;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Generation;

/// <summary>
/// The translator owns the text side of decoding: each request's prefix and required phrases are encoded with the target
/// tokenizer, requests with equal ones share length-sorted chunks (<see cref="LengthSortedDecoding"/>), and each line gets
/// what decoding it alone with those options gives.
/// </summary>
public sealed class TranslationRequestTests
{
    [Fact]
    public void EachRequestDecodesWithItsOwnPrefixAndPhrases()
    {
        var tok = Tokenizer.Train(TokenizerKind.Word, new[] { "a b c d e f g h" }, 100);
        var config = ModelTestKit.Transformer(tok.Vocab.Count, tok.Vocab.Count, seed: 3);
        var model = ModelFactory.BuildTransformer(config, new Rng(config.Seed));
        var options = new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 4, MaxLength = 6 };
        var requests = new[]
        {
            new TranslationRequest("a b c") { Prefix = "d" },
            new TranslationRequest("b") { RequiredPhrases = new[] { " e f ", "" } },
            new TranslationRequest("c c c c"),
            new TranslationRequest("a") { Prefix = "d" },
            new TranslationRequest("a b g") { RequiredPhrases = new[] { "e f" } },
        };
        var progress = new List<int>();
        var all = new Translator(model, tok, tok, options, batchSize: 2).Translate(requests, progress.Add);
        Assert.Equal(requests.Length, all.Count);
        Assert.Equal(requests.Length, progress[^1]);
        Assert.Equal(progress.Order(), progress);
        for (int i = 0; i < requests.Length; i++)
        {
            var r = requests[i];
            var own = options with
            {
                ForcedPrefix = r.Prefix is null ? options.ForcedPrefix : tok.Encode(r.Prefix),
                RequiredPhrases = r.RequiredPhrases is null ? options.RequiredPhrases : new[] { tok.Encode("e f") },
            };
            var alone = new Translator(model, tok, tok, own, batchSize: 1).Translate(new[] { r.Source })[0];
            Assert.Equal(r.Source, all[i].Source);
            Assert.Equal(alone.NBest[0].Tokens, all[i].NBest[0].Tokens);
            Assert.Equal(alone.NBest[0].Score, all[i].NBest[0].Score, 1e-4f);
        }
        int d = tok.Encode("d").Single();
        Assert.Equal(d, all[0].NBest[0].Tokens[0]);
        Assert.Equal(d, all[3].NBest[0].Tokens[0]);
        var phrase = tok.Encode("e f");
        static bool Holds(int[] tokens, int[] p) => Enumerable.Range(0, Math.Max(0, tokens.Length - p.Length + 1)).Any(i => tokens.AsSpan(i, p.Length).SequenceEqual(p));
        Assert.True(Holds(all[1].NBest[0].Tokens, phrase));
        Assert.True(Holds(all[4].NBest[0].Tokens, phrase));
        Assert.False(Holds(all[2].NBest[0].Tokens, phrase));
    }

    [Fact]
    public void LengthSortedDecodingReturnsInputOrderWithTheCallersIndices()
    {
        var config = ModelTestKit.Transformer(12, 12, seed: 4);
        var model = ModelFactory.BuildTransformer(config, new Rng(config.Seed));
        model.Eval();
        int[][] sources = [[5, 6, 7, 8], [9], [5, 6], [7, 7, 7], [10]];
        var options = new GenerationOptions { MaxLength = 5 };
        var chunked = LengthSortedDecoding.Generate(model, sources, options, chunkSize: 2, sourceIds: new[] { 10, 11, 12, 13, 14 });
        Assert.Equal(new[] { 10, 11, 12, 13, 14 }, chunked.Select(r => r.SourceIndex));
        for (int i = 0; i < sources.Length; i++)
            Assert.Equal(SequenceGenerator.Generate(model, new[] { sources[i] }, options)[0].Best.Tokens, chunked[i].Best.Tokens);
    }
}
