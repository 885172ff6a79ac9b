using EncDec.Generation;
using EncDec.Models;
using EncDec.Tensors;
using EncDec.Tests.Models;
using EncDec.Text;
using Xunit;

namespace EncDec.Tests.Generation;

/// <summary>The decomposed generator: concurrency on one model, caller source indices, overlapping phrase matches.</summary>
public class DecodeStrategyTests
{
    private static readonly int[][] Sources = { new[] { 5, 6, 7 }, new[] { 8 }, new[] { 9, 10, 5, 6 }, new[] { 7, 7 } };

    private static string Describe(IReadOnlyList<GenerationResult> results)
        => string.Join(" | ", results.Select(r => string.Join(" / ", r.Hypotheses.Select(h =>
            $"{string.Join(",", h.Tokens)}:{h.Score:R}:{(h.Attention is null ? "-" : string.Join(",", h.Attention.Cast<float>().Select(a => a.ToString("R"))))}"))));

    [Fact]
    public async Task TwoDifferentDecodesInParallelOnOneModelMatchSequential()
    {
        var config = ModelTestKit.Transformer(12, 12, seed: 3);
        var model = ModelFactory.BuildTransformer(config, new Rng(config.Seed));
        model.Eval();
        // beam search with attention (the Transformer computes it only on request) and sampling without
        var beam = new GenerationOptions { Strategy = DecodingStrategy.Beam, BeamSize = 3, NBest = 2, MaxLength = 6, ReturnAttention = true };
        var sample = new GenerationOptions { Strategy = DecodingStrategy.Sample, NBest = 2, MaxLength = 6, Seed = 11, TopK = 5 };
        string beamAlone = Describe(SequenceGenerator.Generate(model, Sources, beam));
        string sampleAlone = Describe(SequenceGenerator.Generate(model, Sources, sample));
        Assert.Contains(":0", beamAlone.Replace(":-", ""), StringComparison.Ordinal);   // attention values present
        Assert.EndsWith("-", sampleAlone, StringComparison.Ordinal);                    // no attention asked, none given

        for (int round = 0; round < 3; round++)
        {
            using var start = new Barrier(2);
            var a = Task.Factory.StartNew(() => { start.SignalAndWait(); return Describe(SequenceGenerator.Generate(model, Sources, beam)); }, TaskCreationOptions.LongRunning);
            var b = Task.Factory.StartNew(() => { start.SignalAndWait(); return Describe(SequenceGenerator.Generate(model, Sources, sample)); }, TaskCreationOptions.LongRunning);
            await Task.WhenAll(a, b);
            Assert.Equal(beamAlone, await a);
            Assert.Equal(sampleAlone, await b);
        }
        Assert.False(model.NeedAttention);   // never touched
    }

    /// <summary>Keeps only the token of the word its source index names, so each output shows the index the processor saw.</summary>
    private sealed class IndexEchoProcessor(int[] tokenOfIndex) : ILogitsProcessor
    {
        public List<int> Seen { get; } = new();

        public void Process(int sourceIndex, ReadOnlySpan<int> generatedSoFar, Span<float> logits)
        {
            lock (Seen) Seen.Add(sourceIndex);
            float keep = logits[tokenOfIndex[sourceIndex]];
            logits.Fill(float.NegativeInfinity);
            logits[tokenOfIndex[sourceIndex]] = keep;
        }
    }

    [Fact]
    public void TranslatorGivesProcessorsTheCallersLineIndex()
    {
        // lines of different lengths, so the translator's length-sorted chunks reorder them
        string[] lines = { "w w w w", "w", "w w w", "w w" , "w w w w w" };
        var words = new[] { "zero", "one", "two", "three", "four" };
        var tok = Tokenizer.Train(TokenizerKind.Word, words.Append("w"), 100);
        var tokenOfIndex = words.Select(w => tok.Encode(w).Single()).ToArray();
        var model = new TableModel(tok.Vocab.Count, 4, seed: 5);
        var echo = new IndexEchoProcessor(tokenOfIndex);
        var options = new GenerationOptions { MaxLength = 1, MinLength = 1, LogitsProcessors = new[] { echo } };
        var translations = new Translator(model, tok, tok, options, batchSize: 2).Translate(lines);
        Assert.Equal(words, translations.Select(t => t.NBest[0].Text));
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, echo.Seen.Distinct().Order());
    }

    [Fact]
    public void TranslatorLeavesAnEmptyLineEmpty()
    {
        var tok = Tokenizer.Train(TokenizerKind.Word, new[] { "w x y" }, 100);
        var model = new TableModel(tok.Vocab.Count, 4, seed: 2);
        var seen = new IndexEchoProcessor(Enumerable.Repeat(tok.Encode("x").Single(), 3).ToArray());
        var options = new GenerationOptions { MaxLength = 2, MinLength = 2, LogitsProcessors = new[] { seen } };
        var translations = new Translator(model, tok, tok, options).Translate(new[] { "w", "", "y" });
        string xx = tok.Decode(new[] { tok.Encode("x").Single(), tok.Encode("x").Single() });
        Assert.NotEmpty(xx);
        Assert.Equal(new[] { xx, "", xx }, translations.Select(t => t.NBest[0].Text));
        Assert.Empty(translations[1].NBest[0].Tokens);
        Assert.DoesNotContain(1, seen.Seen);      // nothing was decoded for the empty line (no UNK stands in for it)
    }

    [Fact]
    public void OverlappingPartialMatchesAreRecognised()
    {
        const int a = 5, b = 6, c = 7;
        var phrases = new PhraseConstraints(new[] { new[] { a, a, b } });
        var s = ConstraintState.Start;
        foreach (int t in new[] { a, a, a, b }) s = phrases.Advance(s, t);
        Assert.True(phrases.AllMet(s));

        // a failed continuation falls back to the longest prefix that still ends the output: a b a b c in a b a b a b c
        var abc = new PhraseConstraints(new[] { new[] { a, b, a, b, c } });
        s = ConstraintState.Start;
        foreach (int t in new[] { a, b, a, b, a, b }) s = abc.Advance(s, t);
        Assert.Equal(4, abc.MetTokens(s));
        Assert.False(abc.AllMet(s));
        Assert.True(abc.AllMet(abc.Advance(s, c)));

        // a phrase completed inside another's progress, and one that starts inside a completed one
        var two = new PhraseConstraints(new[] { new[] { a, b }, new[] { b, c } });
        s = ConstraintState.Start;
        foreach (int t in new[] { a, b, c }) s = two.Advance(s, t);
        Assert.True(two.AllMet(s));
        Assert.False(two.AllMet(two.Advance(two.Advance(ConstraintState.Start, a), c)));
    }

    [Fact]
    public void ConstrainedBeamSearchMeetsAnOverlappingPhrase()
    {
        // the output is forced to open with 5 5 5; the required phrase 5 5 6 is then one token away only through the
        // partial match that overlaps the run (a non-overlapping matcher restarts at the third 5 and needs 5 5 6 again)
        int vocab = 9;
        var table = new float[vocab, 8, vocab];
        for (int p = 0; p < vocab; p++)
            for (int pos = 0; pos < 8; pos++) { table[p, pos, 5] = 6f; table[p, pos, 6] = 2f; table[p, pos, 2] = pos >= 4 ? 10f : -4f; }
        var model = new TableModel(table);
        var options = new GenerationOptions
        {
            Strategy = DecodingStrategy.Beam, BeamSize = 2, MaxLength = 4, ForcedPrefix = new[] { 5, 5, 5 }, RequiredPhrases = new[] { new[] { 5, 5, 6 } },
        };
        Assert.Equal(new[] { 5, 5, 5, 6 }, SequenceGenerator.Generate(model, new[] { new[] { 3 } }, options)[0].Best.Tokens);
    }
}
