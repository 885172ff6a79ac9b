using EncDec.Generation;
using EncDec.Models;
using EncDec.Pipelines;
using EncDec.Tensors;
using EncDec.Tests.Models;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Pipelines;

/// <summary>Validation decoding in length-sorted chunks gives each source the output it gets decoded alone, in input order.</summary>
public class GreedyValidationTests
{
    [Fact]
    public void ChunkedDecodeEqualsEachSourceDecodedAloneInInputOrder()
    {
        var config = ModelTestKit.Transformer(Vocabulary.SpecialCount + 10, Vocabulary.SpecialCount + 10, seed: 5);
        var model = ModelFactory.BuildTransformer(config, new Rng(config.Seed));
        model.Eval();
        // more sources than one chunk, lengths in no order, so both the sort and the chunk boundary are crossed
        var rng = new Rng(9);
        var sources = Enumerable.Range(0, GreedyValidation.ChunkSize + 13)
                                .Select(_ => Enumerable.Range(0, 1 + rng.NextInt(7)).Select(_ => Vocabulary.SpecialCount + rng.NextInt(10)).ToArray())
                                .ToList();
        var tokenizer = new CharTokenizer(Vocabulary.Build("abcdefghij".Select(c => c.ToString()), 1, 100, null));
        var validation = new GreedyValidation(model, tokenizer, maxLength: 8);

        var chunked = validation.Decode(sources);

        Assert.Equal(sources.Count, chunked.Count);
        var greedy = new GenerationOptions { Strategy = DecodingStrategy.Greedy, MaxLength = 8 };
        for (int i = 0; i < sources.Count; i += 7)
        {
            var alone = SequenceGenerator.Generate(model, new[] { sources[i] }, greedy)[0].Hypotheses[0].Tokens;
            Assert.Equal(alone, chunked[i]);
        }
        Assert.Contains(chunked, o => o.Length > 0);   // the untrained model emits tokens, so the comparison says something
    }
}
