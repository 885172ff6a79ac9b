using EncDec.Metrics;
using Xunit;

namespace EncDec.Tests.Metrics;

public class ChrFTests
{
    [Fact]
    public void Hand_computed_chrF2()
    {
        // hyp "ab", ref "abc" (character orders 1..6, beta 2):
        //   n=1: hyp {a,b}=2, ref {a,b,c}=3, match 2 → P 1, R 2/3
        //   n=2: hyp {ab}=1,  ref {ab,bc}=2, match 1 → P 1, R 1/2
        //   n=3: hyp has none (counted 0), ref {abc}=1 → not an effective order
        //   n=4..6: neither side has n-grams → not effective
        // avgP = 1, avgR = (2/3 + 1/2)/2 = 7/12
        // F2 = (1+4)·P·R / (4·P + R) = (35/12) / (55/12) = 7/11 → 63.6363…
        var s = ChrF.Corpus(new[] { "ab" }, new[] { new[] { "abc" } });
        Assert.Equal(100.0 * 7 / 11, s.Score, 1e-9);
        Assert.Equal(new long[] { 2, 3, 2, 1, 2, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, s.Statistics);
        Assert.Equal("chrF2", s.Name);
        Assert.Equal("nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:encdec", s.Signature);
        Assert.Equal("chrF2 = 63.64", MetricsFormatter.FormatChrF(s));
    }

    [Fact]
    public void Whitespace_is_removed_for_character_ngrams()
        => Assert.Equal(100.0, ChrF.Corpus(new[] { "a b" }, new[] { new[] { "ab" } }).Score, 1e-9);

    [Fact]
    public void Statistics_are_summed_over_the_corpus()
    {
        // Segment 1: "ab" vs "abc" as above; segment 2: "x" vs "x" → n=1 (1,1,1).
        // Summed: n=1 (3,4,3), n=2 (1,2,1), n=3 (0,1,0). avgP = 1, avgR = (3/4 + 1/2)/2 = 5/8.
        // F2 = 5·(5/8) / (4 + 5/8) = (25/8)/(37/8) = 25/37.
        var s = ChrF.Corpus(new[] { "ab", "x" }, new[] { new[] { "abc", "x" } });
        Assert.Equal(100.0 * 25 / 37, s.Score, 1e-9);
    }

    [Fact]
    public void Best_reference_is_chosen_per_sentence()
    {
        var s = ChrF.Corpus(new[] { "abc" }, new[] { new[] { "xyz" }, new[] { "abc" } });
        Assert.Equal(100.0, s.Score, 1e-9);
        Assert.StartsWith("nrefs:2|", s.Signature);
    }

    [Fact]
    public void No_overlap_is_zero() => Assert.Equal(0.0, ChrF.Corpus(new[] { "abc" }, new[] { new[] { "xyz" } }).Score);

    [Fact]
    public void ChrFPlusPlus_name_signature_and_punctuation_split()
    {
        Assert.Equal(new[] { "(hi", ")", "x", "world", "!" }, ChrF.SplitPunctuation("(hi) x world!"));
        Assert.Equal(new[] { "\"", "quote", "!" }, ChrF.SplitPunctuation("\"quote !"));
        var s = ChrF.Corpus(new[] { "hello world!" }, new[] { new[] { "hello world!" } }, ChrFOptions.ChrFPlusPlus);
        Assert.Equal("chrF2++", s.Name);
        Assert.Equal(100.0, s.Score, 1e-9);
        Assert.Contains("|nw:2|", s.Signature);
        // Word unigrams: hyp {hello, world, !}, ref {hello, world} → 2/3 match, the bigram "world !" has none.
        var t = ChrF.Corpus(new[] { "hello world!" }, new[] { new[] { "hello world" } }, ChrFOptions.ChrFPlusPlus);
        Assert.Equal(new long[] { 3, 2, 2, 2, 1, 1 }, t.Statistics.Skip(18).ToArray());
    }
}

public class RougeTests
{
    [Fact]
    public void Tokenizer_lowercases_and_drops_non_alphanumerics()
        => Assert.Equal(new[] { "hello", "world", "caf", "au", "lait", "42" }, Rouge.Tokenize("Hello, World! café-au-lait 42"));

    [Fact]
    public void Hand_computed_rouge()
    {
        // hyp: the cat was found under the bed (7) ; ref: the cat was under the bed (6)
        // ROUGE-1: 6 hits → P 6/7, R 1, F 12/13.
        // ROUGE-2: hyp bigrams 6, ref 5, hits {the cat, cat was, under the, the bed} = 4 → P 2/3, R 4/5, F 8/11.
        // ROUGE-L: LCS "the cat was under the bed" = 6 → P 6/7, R 1, F 12/13.
        var s = Rouge.Sentence("The cat was found under the bed.", new[] { "the cat was under the bed" });
        Assert.Equal(6.0 / 7, s.Rouge1.Precision, 1e-12);
        Assert.Equal(1.0, s.Rouge1.Recall, 1e-12);
        Assert.Equal(12.0 / 13, s.Rouge1.F1, 1e-12);
        Assert.Equal(2.0 / 3, s.Rouge2.Precision, 1e-12);
        Assert.Equal(0.8, s.Rouge2.Recall, 1e-12);
        Assert.Equal(8.0 / 11, s.Rouge2.F1, 1e-12);
        Assert.Equal(12.0 / 13, s.RougeL.F1, 1e-12);
    }

    [Fact]
    public void Lcs_is_a_subsequence_not_a_substring()
    {
        // LCS of "a b c d e" and "a x c y e" is "a c e" = 3 → P = R = F = 3/5.
        var s = Rouge.Sentence("a x c y e", new[] { "a b c d e" });
        Assert.Equal(0.6, s.RougeL.F1, 1e-12);
        Assert.Equal(3, Rouge.LcsLength(new[] { "a", "b", "c", "d", "e" }, new[] { "a", "x", "c", "y", "e" }));
    }

    [Fact]
    public void Corpus_is_the_mean_of_sentence_scores_and_empty_is_zero()
    {
        var s = Rouge.Corpus(new[] { "a b", "" }, new[] { new[] { "a b", "c" } });
        Assert.Equal(0.5, s.Rouge1.F1, 1e-12);
        Assert.Equal(0.5, s.RougeL.Recall, 1e-12);
    }

    [Fact]
    public void Best_reference_by_f1()
        => Assert.Equal(1.0, Rouge.Sentence("a b", new[] { "c d", "a b" }).Rouge2.F1, 1e-12);
}

public class ExactMatchAndPerplexityTests
{
    [Fact]
    public void Exact_match_fraction_with_trimming_and_any_reference()
    {
        string[] hyps = { "a b ", "c", "d", "e" };
        var refs = new[] { new[] { "a b", "x", "D", "e" }, new[] { "z", "c", "q", "q" } };
        Assert.Equal(0.75, ExactMatch.Corpus(hyps, refs));
        Assert.Equal(0.5, ExactMatch.Corpus(hyps, refs, trim: false));
        Assert.Equal(0.0, ExactMatch.Corpus(Array.Empty<string>(), new[] { Array.Empty<string>() }));
    }

    [Fact]
    public void Perplexity_from_loss_and_totals()
    {
        Assert.Equal(Math.E, Perplexity.FromLoss(1.0), 1e-12);
        Assert.Equal(Math.Exp(2.5), Perplexity.FromTotal(10.0, 4), 1e-12);
        Assert.Throws<ArgumentOutOfRangeException>(() => Perplexity.FromTotal(1.0, 0));
    }
}
